import { convertLocal } from '../../src/domain/time.js';
import { registerConverter } from '../../src/mapping/template.js';

/**
 * Date formats of the civil registration API (civil-registration.md §1, README §2.1): requests
 * carry `dd/MM/yyyy` dates, `ngayCapNhat` is `dd/MM/yyyy HH:mm:ss`; both are local time, like the
 * portal's `yyyyMMddHHmmss`. Converting is therefore a rearrangement of the same wall-clock fields,
 * never a time-zone shift; each value is checked to be a real calendar date first.
 */
const PORTAL = 'yyyyMMddHHmmss';

/** Portal `yyyyMMddHHmmss` (a date is `yyyyMMdd000000`) → `dd/MM/yyyy`; null when not a real date-time. */
export function portalToCivilDate(s: string): string | null {
  return convertLocal(s, PORTAL, 'dd/MM/yyyy');
}

/** `ngayCapNhat` `dd/MM/yyyy HH:mm:ss` → portal `yyyyMMddHHmmss`; null when not a real date-time. */
export function civilDateTimeToPortal(s: string): string | null {
  return convertLocal(s, 'dd/MM/yyyy HH:mm:ss', PORTAL);
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
