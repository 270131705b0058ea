import { convertLocal, formatLocal, parsePortalDateTime } from '../../src/domain/time.js';

/**
 * The tax interface's date formats (README §2.1, tax.md §2), all Asia/Ho_Chi_Minh local time:
 * `NGAY_GUI` `dd/MM/yyyy HH:mm:ss`, `NGAY_QUYET_DINH` `dd/MM/yyyy`, `ThoiGianThanhToan`
 * `yyyyMMddHHmmss` (already the portal's format). Every conversion goes through src/domain/time.ts,
 * so its calendar check applies (31/02 is refused, not rolled over).
 */
const NGAY_GUI = 'dd/MM/yyyy HH:mm:ss';
const NGAY_QUYET_DINH = 'dd/MM/yyyy';
const PORTAL = 'yyyyMMddHHmmss';

/** Date → `dd/MM/yyyy HH:mm:ss` local. */
export function formatNgayGui(d: Date): string {
  return formatLocal(d, NGAY_GUI);
}

/** `dd/MM/yyyy HH:mm:ss` → portal `yyyyMMddHHmmss`, or null when it is not a real date-time. */
export function ngayGuiToPortal(s: string): string | null {
  return convertLocal(s, NGAY_GUI, PORTAL);
}

/** `dd/MM/yyyy` → portal `yyyyMMdd000000` (start of that local day), or null. */
export function ngayQuyetDinhToPortal(s: string): string | null {
  return convertLocal(s, NGAY_QUYET_DINH, PORTAL);
}

/** `ThoiGianThanhToan` is the portal's own format; only its calendar validity is checked. */
export function isPortalDateTime(s: string): boolean {
  return parsePortalDateTime(s) !== null;
}
