/**
 * Lexical checks of the XSD date types as the spec narrows them (§1: `xs:date` is `yyyy-MM-dd`
 * without zone; `xs:dateTime` needs an offset) and formatting of BHXH's own timestamps, which are
 * always local time with `+07:00` and whole seconds.
 */
export interface CalendarDate {
  y: number;
  m: number;
  d: number;
}

const LOCAL_OFFSET_MS = 7 * 3600 * 1000;

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function validYmd(y: number, m: number, d: number): boolean {
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** XSD whitespace "collapse" (date/time and numeric types): leading and trailing XML whitespace is ignored. */
export const collapse = (v: string): string => v.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

/** `yyyy-MM-dd` with a real calendar date; undefined otherwise. */
export function parseXsDate(value: string): CalendarDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(collapse(value));
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validYmd(y, mo, d) ? { y, m: mo, d } : undefined;
}

export type DateTimeResult = { ok: true; epochMs: number } | { ok: false; reason: 'format' | 'offset' };

/** `yyyy-MM-ddTHH:mm:ss[.fff](Z|±hh:mm)`; a value that is a valid dateTime but lacks the offset gives `offset`. */
export function parseXsDateTime(value: string): DateTimeResult {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(
    collapse(value),
  );
  if (!m) return { ok: false, reason: 'format' };
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 59) return { ok: false, reason: 'format' };
  const zone = m[8];
  if (zone === undefined) return { ok: false, reason: 'offset' };
  let offsetMin = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 14 || om > 59 || (oh === 14 && om > 0)) return { ok: false, reason: 'format' };
    offsetMin = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s) + fraction - offsetMin * 60_000;
  return { ok: true, epochMs: utc };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** BHXH timestamp: local time, whole seconds, `+07:00` (e.g. `2025-11-11T15:00:00+07:00`). */
export function formatLocalDateTime(epochMs: number): string {
  const t = new Date(Math.floor(epochMs / 1000) * 1000 + LOCAL_OFFSET_MS);
  return (
    `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}` +
    `T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}+07:00`
  );
}

/** Calendar date in Asia/Ho_Chi_Minh at the given instant. */
export function localDate(epochMs: number): CalendarDate {
  const t = new Date(epochMs + LOCAL_OFFSET_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** Negative, zero or positive like a comparator. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.y - b.y || a.m - b.m || a.d - b.d;
}

/** The date of the n-th birthday; a 29 February birthday falls on 1 March in common years. */
export function anniversary(birth: CalendarDate, years: number): CalendarDate {
  const y = birth.y + years;
  if (birth.d <= daysInMonth(y, birth.m)) return { y, m: birth.m, d: birth.d };
  return { y, m: birth.m + 1, d: 1 };
}

/** `yyMMdd` of the local date, used in receipt numbers (`BN40-251105-000123`). */
export function yymmdd(epochMs: number): string {
  const { y, m, d } = localDate(epochMs);
  return `${pad(y % 100)}${pad(m)}${pad(d)}`;
}
