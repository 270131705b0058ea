/**
 * Date and time formats of the civil registration API (civil-registration.md §1, README §2.1).
 * Every value is local time Asia/Ho_Chi_Minh (UTC+07:00, no daylight saving), whatever the time
 * zone of the process running the simulator.
 */
const OFFSET_MS = 7 * 60 * 60 * 1000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Builds the epoch time of a local (+07:00) wall-clock time; undefined when the parts are no real date. */
function fromLocalParts(p: Parts): number | undefined {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.hour > 23 || p.minute > 59 || p.second > 59)
    return undefined;
  const utc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== p.year ||
    check.getUTCMonth() !== p.month - 1 ||
    check.getUTCDate() !== p.day
  )
    return undefined;
  return utc - OFFSET_MS;
}

function localParts(epochMs: number): Parts {
  const d = new Date(epochMs + OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** `dd/MM/yyyy` (request dates) → epoch ms of local midnight; undefined when malformed or no real date. */
export function parseLocalDate(text: string): number | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  if (!m) return undefined;
  return fromLocalParts({
    day: Number(m[1]),
    month: Number(m[2]),
    year: Number(m[3]),
    hour: 0,
    minute: 0,
    second: 0,
  });
}

/** True when `text` has the shape `dd/MM/yyyy` (whether or not it is a real calendar date). */
export const hasLocalDateShape = (text: string): boolean => /^\d{2}\/\d{2}\/\d{4}$/.test(text);

/** `yyyyMMddHHmmss` (`tuNgay`, `denNgay`) → epoch ms; undefined when malformed or no real time. */
export function parseCompactDateTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  return fromLocalParts({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  });
}

/** `dd/MM/yyyy HH:mm:ss` (`ngayCapNhat`) → epoch ms; undefined when malformed or no real time. */
export function parseDateTime(text: string): number | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  return fromLocalParts({
    day: Number(m[1]),
    month: Number(m[2]),
    year: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  });
}

/** Epoch ms → `dd/MM/yyyy HH:mm:ss` local. */
export function formatDateTime(epochMs: number): string {
  const p = localParts(epochMs);
  return `${pad(p.day)}/${pad(p.month)}/${pad(p.year, 4)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** Epoch ms → `yyyyMMddHHmmss` local. */
export function formatCompactDateTime(epochMs: number): string {
  const p = localParts(epochMs);
  return `${pad(p.year, 4)}${pad(p.month)}${pad(p.day)}${pad(p.hour)}${pad(p.minute)}${pad(p.second)}`;
}

/** The local calendar year of an instant. */
export const localYear = (epochMs: number): number => localParts(epochMs).year;

/** Drops milliseconds: `ngayCapNhat` has a precision of one second. */
export const truncateToSecond = (epochMs: number): number => Math.floor(epochMs / 1000) * 1000;
