import { onePagePdf } from '../one-page-pdf.js';
import type { IssuedNotice, PaymentConfirmation } from './types.js';

/**
 * The payment confirmation body (tax.md §4.4), fields in the spec's order. `UrlFileChungTu` is
 * `""` when `TrangThaiThanhToan` is 0.
 */
export function buildPaymentConfirmation(
  notice: IssuedNotice,
  thoiGianThanhToan: string,
  trangThai: 0 | 1,
  receiptUrl: string,
): PaymentConfirmation {
  return {
    MaHoSo: notice.MA_HSO,
    MaSoThue: notice.MA_SO_THUE,
    ThongTinThanhToan: {
      SoTien: Number(notice.SO_TIEN),
      ThoiGianThanhToan: thoiGianThanhToan,
      MaThongBaoThue: notice.SO_QUYET_DINH,
      TrangThaiThanhToan: trangThai,
    },
    UrlFileChungTu: trangThai === 1 ? receiptUrl : '',
  };
}

/** A one-page PDF standing in for the payment receipt (chứng từ nộp thuế). */
export function receiptPdf(file: string, notice: IssuedNotice): Buffer {
  const ascii = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '\\$&');
  const text = ascii(`Chung tu ${file} - ${notice.SO_QUYET_DINH} - ${notice.MA_HSO} - ${notice.SO_TIEN} VND`);
  return onePagePdf(text, { fontSize: 10, x: 40, y: 800 });
}
