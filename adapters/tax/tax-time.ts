import { formatPortalDateTime, parsePortalDateTime } from '../../src/domain/time.js';

/**
 * The tax interface's date formats (README §2.1, tax.md §2), all Asia/Ho_Chi_Minh local time:
 * `NGAY_GUI` `dd/MM/yyyy HH:mm:ss`, `NGAY_QUYET_DINH` `dd/MM/yyyy`, `ThoiGianThanhToan`
 * `yyyyMMddHHmmss` (already the portal's format). Every conversion goes through the portal format
 * so the calendar check of `src/domain/time.ts` applies (31/02 is refused, not rolled over).
 */
const NGAY_GUI = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;
const NGAY_QUYET_DINH = /^(\d{2})\/(\d{2})\/(\d{4})$/;

/** Date → `dd/MM/yyyy HH:mm:ss` local. */
export function formatNgayGui(d: Date): string {
  const p = formatPortalDateTime(d);
  return `${p.slice(6, 8)}/${p.slice(4, 6)}/${p.slice(0, 4)} ${p.slice(8, 10)}:${p.slice(10, 12)}:${p.slice(12, 14)}`;
}

/** `dd/MM/yyyy HH:mm:ss` → portal `yyyyMMddHHmmss`, or null when it is not a real date-time. */
export function ngayGuiToPortal(s: string): string | null {
  const m = NGAY_GUI.exec(s);
  if (!m) return null;
  const portal = `${m[3]}${m[2]}${m[1]}${m[4]}${m[5]}${m[6]}`;
  return parsePortalDateTime(portal) ? portal : null;
}

/** `dd/MM/yyyy` → portal `yyyyMMdd000000` (start of that local day), or null. */
export function ngayQuyetDinhToPortal(s: string): string | null {
  const m = NGAY_QUYET_DINH.exec(s);
  if (!m) return null;
  const portal = `${m[3]}${m[2]}${m[1]}000000`;
  return parsePortalDateTime(portal) ? portal : null;
}

/** `ThoiGianThanhToan` is the portal's own format; only its calendar validity is checked. */
export function isPortalDateTime(s: string): boolean {
  return parsePortalDateTime(s) !== null;
}
