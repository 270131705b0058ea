import { formatLocal } from '../../domain/time.js';
import { collapse } from '../../xml/xs-date-time.js';

export { collapse, parseXsDateTime } from '../../xml/xs-date-time.js';

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

/** `yyyy-MM-dd` with a real calendar date; undefined otherwise. */
export function parseXsDate(value: string): CalendarDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(collapse(value));
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validYmd(y, mo, d) ? { y, m: mo, d } : undefined;
}

/** BHXH timestamp: local time, whole seconds, `+07:00` (e.g. `2025-11-11T15:00:00+07:00`). */
export function formatLocalDateTime(epochMs: number): string {
  return formatLocal(new Date(epochMs), 'yyyy-MM-ddTHH:mm:ss+07:00');
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
  return formatLocal(new Date(epochMs), 'yyMMdd');
}
