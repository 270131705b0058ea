/**
 * Land registry date-times (land.md §2): UTC written `yyyy-MM-ddTHH:mm:ss`, no fraction, no `Z`,
 * no offset, in both directions.
 */
const UTC_NO_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** The `INVALID` message tail for a badly formatted date-time, as in `examples/land/error-invalid.json`. */
export const UTC_FORMAT_HINT = 'sai định dạng, yêu cầu yyyy-MM-ddTHH:mm:ss (giờ UTC, không ghi múi giờ)';

/** Formats epoch milliseconds as the land registry writes it (seconds are truncated). */
export function formatUtc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
}

/**
 * Parses a land date-time to epoch milliseconds, or `undefined` when it is not exactly
 * `yyyy-MM-ddTHH:mm:ss` or names a date or time that does not exist (e.g. 2025-02-30, 24:00:00).
 */
export function parseUtc(text: string): number | undefined {
  const m = UTC_NO_OFFSET.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const ms = date.getTime();
  // Round trip rejects overflowing components (month 13, day 31 in a 30-day month, hour 24, second 60).
  return formatUtc(ms) === text ? ms : undefined;
}

/** Whole seconds, as every land date-time has no fraction. */
export function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
