import { formatLocal, parseLocal } from '../../domain/time.js';

/**
 * Date and time formats of the civil registration API (civil-registration.md §1, README §2.1).
 * Every value is local time Asia/Ho_Chi_Minh (UTC+07:00, no daylight saving), whatever the time
 * zone of the process running the simulator; the conversions are those of src/domain/time.ts.
 */
const epochOf = (text: string, pattern: string): number | undefined => parseLocal(text, pattern)?.getTime();

/** `dd/MM/yyyy` (request dates) → epoch ms of local midnight; undefined when malformed or no real date. */
export const parseLocalDate = (text: string): number | undefined => epochOf(text, 'dd/MM/yyyy');

/** True when `text` has the shape `dd/MM/yyyy` (whether or not it is a real calendar date). */
export const hasLocalDateShape = (text: string): boolean => /^\d{2}\/\d{2}\/\d{4}$/.test(text);

/** `yyyyMMddHHmmss` (`tuNgay`, `denNgay`) → epoch ms; undefined when malformed or no real time. */
export const parseCompactDateTime = (text: string): number | undefined => epochOf(text, 'yyyyMMddHHmmss');

/** `dd/MM/yyyy HH:mm:ss` (`ngayCapNhat`) → epoch ms; undefined when malformed or no real time. */
export const parseDateTime = (text: string): number | undefined => epochOf(text, 'dd/MM/yyyy HH:mm:ss');

/** Epoch ms → `dd/MM/yyyy HH:mm:ss` local. */
export const formatDateTime = (epochMs: number): string =>
  formatLocal(new Date(epochMs), 'dd/MM/yyyy HH:mm:ss');

/** Epoch ms → `yyyyMMddHHmmss` local. */
export const formatCompactDateTime = (epochMs: number): string =>
  formatLocal(new Date(epochMs), 'yyyyMMddHHmmss');

/** The local calendar year of an instant. */
export const localYear = (epochMs: number): number => Number(formatLocal(new Date(epochMs), 'yyyy'));

/** Drops milliseconds: `ngayCapNhat` has a precision of one second. */
export const truncateToSecond = (epochMs: number): number => Math.floor(epochMs / 1000) * 1000;
