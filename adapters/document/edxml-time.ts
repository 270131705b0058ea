import { convertLocal, formatLocal } from '../../src/domain/time.js';

/**
 * The date formats of document management (README §2.1), all local Asia/Ho_Chi_Minh, converted
 * from and to the portal's `yyyyMMddHHmmss` through src/domain/time.ts (fixed UTC+07:00).
 */
const PORTAL = 'yyyyMMddHHmmss';
const TIMESTAMP = 'yyyy/MM/dd HH:mm:ss';

/** Portal `yyyyMMddHHmmss` → `yyyy-MM-dd` (`PromulgationDate`, `DueDate`); null when not a real date-time. */
export function portalToIsoDate(portal: string): string | null {
  return convertLocal(portal, PORTAL, 'yyyy-MM-dd');
}

/** `yyyy-MM-dd` → `yyyy/MM/dd`, the date as written inside `DocumentId` (§3.1). */
export function isoDateToDocumentIdDate(isoDate: string): string {
  return isoDate.replaceAll('-', '/');
}

/** `yyyy/MM/dd HH:mm:ss` local (`Timestamp` of Status and TraceHeader) → portal `yyyyMMddHHmmss`; null when not real. */
export function timestampToPortal(timestamp: string): string | null {
  return convertLocal(timestamp, TIMESTAMP, PORTAL);
}

/** An instant → `yyyy/MM/dd HH:mm:ss` local (the TraceHeader `Timestamp` the sender writes). */
export function formatTimestamp(instant: Date): string {
  return formatLocal(instant, TIMESTAMP);
}

/** Portal `yyyyMMddHHmmss` → `HH:mm ngày dd/MM/yyyy`, for texts people read (progress rows, the form). */
export function portalToDisplay(portal: string): string | null {
  return convertLocal(portal, PORTAL, 'HH:mm ngày dd/MM/yyyy');
}
