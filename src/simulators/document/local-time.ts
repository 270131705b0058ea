/**
 * Date and time formats of the document management interface (README §2.1), all local time
 * Asia/Ho_Chi_Minh: a fixed UTC+07:00 with no daylight saving, so no time-zone database is needed.
 */
const OFFSET_MS = 7 * 60 * 60 * 1000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `yyyy/MM/dd HH:mm:ss`, local time: `Timestamp` of TraceHeader and Status. */
export function formatTimestamp(instant: Date): string {
  const d = new Date(instant.getTime() + OFFSET_MS);
  return (
    `${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** Reads `yyyy/MM/dd HH:mm:ss` (local) into an instant; undefined when the text is not a real date-time. */
export function parseTimestamp(text: string): Date | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  return m ? localInstant(m.slice(1).map(Number)) : undefined;
}

/** True for `yyyy-MM-dd` naming a real calendar day (`PromulgationDate`, `DueDate`). */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m !== null && localInstant([...m.slice(1).map(Number), 0, 0, 0]) !== undefined;
}

/** True for `yyyyMMddHHmmss` naming a real local date-time (`NgayHenTra…` in Content and Description). */
export function isCompactDateTime(text: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  return m !== null && localInstant(m.slice(1).map(Number)) !== undefined;
}

function localInstant(parts: number[]): Date | undefined {
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = parts;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  return new Date(utc - OFFSET_MS);
}
