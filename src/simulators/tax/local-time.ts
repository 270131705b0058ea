import { formatLocal, parseLocal } from '../../domain/time.js';

/**
 * Date formats of the tax interface (README §2.1, tax.md §2): all local time Asia/Ho_Chi_Minh
 * (UTC+07:00, no daylight saving), so the conversion is the fixed offset of src/domain/time.ts.
 */
const NGAY_GUI = 'dd/MM/yyyy HH:mm:ss';
const NGAY_QUYET_DINH = 'dd/MM/yyyy';

/** `dd/MM/yyyy HH:mm:ss` (NGAY_GUI). */
export const formatNgayGui = (d: Date): string => formatLocal(d, NGAY_GUI);

/** `dd/MM/yyyy` (NGAY_QUYET_DINH). */
export const formatNgayQuyetDinh = (d: Date): string => formatLocal(d, NGAY_QUYET_DINH);

/** `yyyyMMddHHmmss` (ThoiGianThanhToan). */
export const formatCompact = (d: Date): string => formatLocal(d, 'yyyyMMddHHmmss');

/** `yyyyMMdd`, used inside generated transaction ids. */
export const formatDay = (d: Date): string => formatLocal(d, 'yyyyMMdd');

/** `yyMMdd`, used inside generated notice and receipt numbers (e.g. `TB2511120001`). */
export const formatShortDay = (d: Date): string => formatLocal(d, 'yyMMdd');

/** True for a real calendar date-time written exactly as `dd/MM/yyyy HH:mm:ss`. */
export const isNgayGui = (s: string): boolean => parseLocal(s, NGAY_GUI) !== null;

/** True for a real calendar date written exactly as `dd/MM/yyyy`. */
export const isNgayQuyetDinh = (s: string): boolean => parseLocal(s, NGAY_QUYET_DINH) !== null;
