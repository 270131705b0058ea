import { registerConverter } from '../../src/mapping/template.js';
import { parsePortalDateTime } from '../../src/domain/time.js';

/**
 * Date formats of the civil registration API (civil-registration.md §1, README §2.1): requests
 * carry `dd/MM/yyyy` dates, `ngayCapNhat` is `dd/MM/yyyy HH:mm:ss`; both are local time, like the
 * portal's `yyyyMMddHHmmss`. Converting is therefore a rearrangement of the same wall-clock fields,
 * never a time-zone shift; each value is checked to be a real calendar date first.
 */
const CIVIL_DATE_TIME = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;
const PORTAL = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** Portal `yyyyMMddHHmmss` (a date is `yyyyMMdd000000`) → `dd/MM/yyyy`; null when not a real date-time. */
export function portalToCivilDate(s: string): string | null {
  const m = PORTAL.exec(s);
  if (!m || parsePortalDateTime(s) === null) return null;
  return `${m[3]}/${m[2]}/${m[1]}`;
}

/** `ngayCapNhat` `dd/MM/yyyy HH:mm:ss` → portal `yyyyMMddHHmmss`; null when not a real date-time. */
export function civilDateTimeToPortal(s: string): string | null {
  const m = CIVIL_DATE_TIME.exec(s);
  if (!m) return null;
  const portal = `${m[3]}${m[2]}${m[1]}${m[4]}${m[5]}${m[6]}`;
  return parsePortalDateTime(portal) === null ? null : portal;
}

// Registered on import so `mappings/civil-registration.json` can name them; the prefix keeps them
// apart from other adapters' converters in the shared registry.
registerConverter('civilDate', (v) => {
  const out = portalToCivilDate(String(v));
  if (out === null) throw new Error(`not a yyyyMMddHHmmss date: ${JSON.stringify(v)}`);
  return out;
});
registerConverter('civilDateTimeToPortal', (v) => {
  const out = civilDateTimeToPortal(String(v));
  if (out === null) throw new Error(`not a dd/MM/yyyy HH:mm:ss date-time: ${JSON.stringify(v)}`);
  return out;
});
