import { buildXml } from '../../xml/build-xml.js';
import { isNgayQuyetDinh } from './local-time.js';
import { MA_HSO_RE, MA_SO_THUE_RE } from './phieuchuyen-form.js';
import type { LoaiThue, NoticeRow, TaxRecord } from './types.js';

/** Budget sub-item names per tax type (the first two are the spec example's wording, §4.3). */
export const TEN_TIEUMUC: Record<LoaiThue, string> = {
  TNCN: 'Thuế thu nhập cá nhân từ chuyển nhượng bất động sản',
  LPTB: 'Lệ phí trước bạ nhà, đất',
  TSDD: 'Tiền sử dụng đất',
  TTD: 'Tiền thuê đất',
  SDDPNN: 'Thuế sử dụng đất phi nông nghiệp',
};

/**
 * Rates in 1/10 000 of the declared value used for generated notices: 2 % personal income tax
 * and 0.5 % registration fee reproduce the spec example (950 000 000 → 19 000 000 and 4 750 000).
 */
const RATE: Record<LoaiThue, bigint> = { TNCN: 200n, LPTB: 50n, TSDD: 300n, TTD: 100n, SDDPNN: 3n };

/** Order in which generated notices cover the tax types (the example: TNCN, then LPTB). */
const NOTICE_ORDER: readonly LoaiThue[] = ['TNCN', 'LPTB', 'TSDD', 'TTD', 'SDDPNN'];

/** Declared value assumed when the transfer form carried none. */
const DEFAULT_DECLARED_VALUE = 500_000_000n;

export const MAX_ROWS = 50;

/** Checks one row against §4.3; returns the problem or undefined. */
export function checkNoticeRow(row: NoticeRow, index: number): string | undefined {
  const at = `ROW[${index + 1}]`;
  if (!MA_HSO_RE.test(row.MA_HSO)) return `${at}/MA_HSO: invalid dossier code`;
  if (!MA_SO_THUE_RE.test(row.MA_SO_THUE)) return `${at}/MA_SO_THUE: invalid tax code`;
  if (row.SO_QUYET_DINH.length < 1 || row.SO_QUYET_DINH.length > 30)
    return `${at}/SO_QUYET_DINH: 1..30 chars`;
  if (!isNgayQuyetDinh(row.NGAY_QUYET_DINH)) return `${at}/NGAY_QUYET_DINH: dd/MM/yyyy`;
  if (!/^\d+$/.test(row.SO_TIEN) || /^0+$/.test(row.SO_TIEN))
    return `${at}/SO_TIEN: whole VND > 0, digits only`;
  if (row.TEN_TIEUMUC.trim() === '') return `${at}/TEN_TIEUMUC: required`;
  return undefined;
}

/** The tax notice message `<DATA><HEADER>…</HEADER><BODY><ROW_LIST><ROW>…` (§4.3). */
export function buildNoticeXml(maGdich: string, ngayGui: string, rows: readonly NoticeRow[]): string {
  return buildXml({
    DATA: {
      HEADER: { MA_GDICH: maGdich, NGAY_GUI: ngayGui },
      BODY: {
        ROW_LIST: {
          ROW: rows.map((r) => ({
            MA_HSO: r.MA_HSO,
            MA_SO_THUE: r.MA_SO_THUE,
            SO_QUYET_DINH: r.SO_QUYET_DINH,
            NGAY_QUYET_DINH: r.NGAY_QUYET_DINH,
            SO_TIEN: r.SO_TIEN,
            TEN_TIEUMUC: r.TEN_TIEUMUC,
          })),
        },
      },
    },
  });
}

/**
 * The taxpayer's tax code for a record: MA_SO_THUE when the form had one, else the identity
 * number when it is a 12-digit personal identification number (used as tax code), else a
 * 10-digit code assigned by the office (`assign`).
 */
export function taxCodeOf(record: TaxRecord, assign: () => string): string {
  if (record.MA_SO_THUE !== undefined) return record.MA_SO_THUE;
  if (/^\d{12}$/.test(record.SO_GIAY_TO)) return record.SO_GIAY_TO;
  return assign();
}

/** Realistic notices for a held record: one per tax type in NOTICE_ORDER, amounts from the declared value. */
export function realisticRows(
  record: TaxRecord,
  count: number,
  maSoThue: string,
  nextSoQuyetDinh: () => string,
  ngayQuyetDinh: string,
): NoticeRow[] {
  const base = record.GIA_TRI_KE_KHAI !== undefined ? BigInt(record.GIA_TRI_KE_KHAI) : DEFAULT_DECLARED_VALUE;
  const rows: NoticeRow[] = [];
  for (let i = 0; i < count; i += 1) {
    const loai = NOTICE_ORDER[i % NOTICE_ORDER.length]!;
    let amount = (base * RATE[loai]) / 10_000n;
    if (amount < 1n) amount = 1n;
    rows.push({
      MA_HSO: record.MA_HSO,
      MA_SO_THUE: maSoThue,
      SO_QUYET_DINH: nextSoQuyetDinh(),
      NGAY_QUYET_DINH: ngayQuyetDinh,
      SO_TIEN: amount.toString(),
      TEN_TIEUMUC: TEN_TIEUMUC[loai],
    });
  }
  return rows;
}
