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

/** A small, valid one-page PDF standing in for the payment receipt (chứng từ nộp thuế). */
export function receiptPdf(file: string, notice: IssuedNotice): Buffer {
  const ascii = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '\\$&');
  const text = ascii(`Chung tu ${file} - ${notice.SO_QUYET_DINH} - ${notice.MA_HSO} - ${notice.SO_TIEN} VND`);
  const stream = `BT /F1 10 Tf 40 800 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
