import { formatLocal, parseLocal } from '../../domain/time.js';

/**
 * Date and time formats of the document management interface (README §2.1), all local time
 * Asia/Ho_Chi_Minh: a fixed UTC+07:00 with no daylight saving (src/domain/time.ts).
 */
const TIMESTAMP = 'yyyy/MM/dd HH:mm:ss';

/** `yyyy/MM/dd HH:mm:ss`, local time: `Timestamp` of TraceHeader and Status. */
export function formatTimestamp(instant: Date): string {
  return formatLocal(instant, TIMESTAMP);
}

/** Reads `yyyy/MM/dd HH:mm:ss` (local) into an instant; undefined when the text is not a real date-time. */
export function parseTimestamp(text: string): Date | undefined {
  return parseLocal(text, TIMESTAMP) ?? undefined;
}

/** True for `yyyy-MM-dd` naming a real calendar day (`PromulgationDate`, `DueDate`). */
export function isIsoDate(text: string): boolean {
  return parseLocal(text, 'yyyy-MM-dd') !== null;
}

/** True for `yyyyMMddHHmmss` naming a real local date-time (`NgayHenTra…` in Content and Description). */
export function isCompactDateTime(text: string): boolean {
  return parseLocal(text, 'yyyyMMddHHmmss') !== null;
}
