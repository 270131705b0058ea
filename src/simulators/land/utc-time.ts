import { formatUtcNoOffset, parseUtcNoOffset } from '../../domain/time.js';

/**
 * Land registry date-times (land.md §2): UTC written `yyyy-MM-ddTHH:mm:ss`, no fraction, no `Z`,
 * no offset, in both directions; converted by src/domain/time.ts.
 */

/** The `INVALID` message tail for a badly formatted date-time, as in `examples/land/error-invalid.json`. */
export const UTC_FORMAT_HINT = 'sai định dạng, yêu cầu yyyy-MM-ddTHH:mm:ss (giờ UTC, không ghi múi giờ)';

/** Formats epoch milliseconds as the land registry writes it (seconds are truncated). */
export function formatUtc(ms: number): string {
  return formatUtcNoOffset(new Date(ms));
}

/**
 * Parses a land date-time to epoch milliseconds, or `undefined` when it is not exactly
 * `yyyy-MM-ddTHH:mm:ss` or names a date or time that does not exist (e.g. 2025-02-30, 24:00:00).
 */
export function parseUtc(text: string): number | undefined {
  return parseUtcNoOffset(text)?.getTime();
}

/** Whole seconds, as every land date-time has no fraction. */
export function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
