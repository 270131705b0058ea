import { formatPortalDateTime, parsePortalDateTime } from '../../src/domain/time.js';

/**
 * The date formats of document management (README §2.1), all local Asia/Ho_Chi_Minh, converted
 * from and to the portal's `yyyyMMddHHmmss` through src/domain/time.ts (fixed UTC+07:00).
 */
const TIMESTAMP = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Portal `yyyyMMddHHmmss` → `yyyy-MM-dd` (`PromulgationDate`, `DueDate`); null when not a real date-time. */
export function portalToIsoDate(portal: string): string | null {
  if (parsePortalDateTime(portal) === null) return null;
  return `${portal.slice(0, 4)}-${portal.slice(4, 6)}-${portal.slice(6, 8)}`;
}

/** `yyyy-MM-dd` → `yyyy/MM/dd`, the date as written inside `DocumentId` (§3.1). */
export function isoDateToDocumentIdDate(isoDate: string): string {
  return isoDate.replaceAll('-', '/');
}

/** `yyyy/MM/dd HH:mm:ss` local (`Timestamp` of Status and TraceHeader) → portal `yyyyMMddHHmmss`; null when not real. */
export function timestampToPortal(timestamp: string): string | null {
  const m = TIMESTAMP.exec(timestamp);
  if (!m) return null;
  const portal = m.slice(1).join('');
  return parsePortalDateTime(portal) === null ? null : portal;
}

/** An instant → `yyyy/MM/dd HH:mm:ss` local (the TraceHeader `Timestamp` the sender writes). */
export function formatTimestamp(instant: Date): string {
  const p = formatPortalDateTime(instant);
  return `${p.slice(0, 4)}/${p.slice(4, 6)}/${p.slice(6, 8)} ${p.slice(8, 10)}:${p.slice(10, 12)}:${p.slice(12, 14)}`;
}

/** Portal `yyyyMMddHHmmss` → `HH:mm ngày dd/MM/yyyy`, for texts people read (progress rows, the form). */
export function portalToDisplay(portal: string): string | null {
  if (parsePortalDateTime(portal) === null) return null;
  return `${portal.slice(8, 10)}:${portal.slice(10, 12)} ngày ${portal.slice(6, 8)}/${portal.slice(4, 6)}/${portal.slice(0, 4)}`;
}
