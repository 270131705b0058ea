/**
 * Date formats of the tax interface (README §2.1, tax.md §2): all local time Asia/Ho_Chi_Minh
 * (UTC+07:00, no daylight saving), so the conversion is a fixed offset.
 */
const OFFSET_MS = 7 * 60 * 60 * 1000;

interface LocalParts {
  yyyy: string;
  MM: string;
  dd: string;
  HH: string;
  mm: string;
  ss: string;
}

function parts(d: Date): LocalParts {
  const l = new Date(d.getTime() + OFFSET_MS);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return {
    yyyy: String(l.getUTCFullYear()).padStart(4, '0'),
    MM: p2(l.getUTCMonth() + 1),
    dd: p2(l.getUTCDate()),
    HH: p2(l.getUTCHours()),
    mm: p2(l.getUTCMinutes()),
    ss: p2(l.getUTCSeconds()),
  };
}

/** `dd/MM/yyyy HH:mm:ss` (NGAY_GUI). */
export function formatNgayGui(d: Date): string {
  const p = parts(d);
  return `${p.dd}/${p.MM}/${p.yyyy} ${p.HH}:${p.mm}:${p.ss}`;
}

/** `dd/MM/yyyy` (NGAY_QUYET_DINH). */
export function formatNgayQuyetDinh(d: Date): string {
  const p = parts(d);
  return `${p.dd}/${p.MM}/${p.yyyy}`;
}

/** `yyyyMMddHHmmss` (ThoiGianThanhToan). */
export function formatCompact(d: Date): string {
  const p = parts(d);
  return `${p.yyyy}${p.MM}${p.dd}${p.HH}${p.mm}${p.ss}`;
}

/** `yyyyMMdd`, used inside generated transaction ids. */
export function formatDay(d: Date): string {
  return formatCompact(d).slice(0, 8);
}

/** `yyMMdd`, used inside generated notice and receipt numbers (e.g. `TB2511120001`). */
export function formatShortDay(d: Date): string {
  return formatCompact(d).slice(2, 8);
}

function validCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** True for a real calendar date-time written exactly as `dd/MM/yyyy HH:mm:ss`. */
export function isNgayGui(s: string): boolean {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return false;
  const [, dd, MM, yyyy, HH, mi, ss] = m.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return validCalendarDate(yyyy, MM, dd) && HH <= 23 && mi <= 59 && ss <= 59;
}

/** True for a real calendar date written exactly as `dd/MM/yyyy`. */
export function isNgayQuyetDinh(s: string): boolean {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  if (!m) return false;
  const [, dd, MM, yyyy] = m.map(Number) as [number, number, number, number];
  return validCalendarDate(yyyy, MM, dd);
}
