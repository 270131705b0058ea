import { convertLocal, formatPortalDateTime } from '../../src/domain/time.js';
import { registerConverter } from '../../src/mapping/template.js';
import { parseXsDateTime } from '../../src/xml/xs-date-time.js';

/**
 * BHXH's date formats (README §2.1): `xs:date` is `yyyy-MM-dd` without zone, `xs:dateTime` carries
 * a mandatory offset (social-insurance.md §1). The portal speaks local `yyyyMMddHHmmss`.
 *
 * @remarks Registered as mapping converters (`bhxhDate`, `bhxhDateTime`, `bhxhTimeToPortal`) so
 * `mappings/social-insurance.json` names the conversions instead of code doing them. The names
 * carry the system so they cannot collide with another adapter's converters.
 */
const PORTAL = 'yyyyMMddHHmmss';

/** Portal `yyyyMMdd000000` (any real portal date-time) → `yyyy-MM-dd`; null when not a real date. */
export function portalToXsDate(s: string): string | null {
  return convertLocal(s, PORTAL, 'yyyy-MM-dd');
}

/** Portal local `yyyyMMddHHmmss` → `yyyy-MM-ddTHH:mm:ss+07:00`; null when not a real date-time. */
export function portalToXsDateTime(s: string): string | null {
  return convertLocal(s, PORTAL, 'yyyy-MM-ddTHH:mm:ss+07:00');
}

/** `xs:dateTime` with offset → portal local `yyyyMMddHHmmss` (fractions dropped); null when invalid. */
export function xsDateTimeToPortal(value: string): string | null {
  const t = parseXsDateTime(value);
  return t.ok ? formatPortalDateTime(new Date(t.epochMs)) : null;
}

function strict(name: string, fn: (s: string) => string | null, expected: string): void {
  registerConverter(name, (v) => {
    const out = typeof v === 'string' ? fn(v) : null;
    if (out === null) throw new Error(`not ${expected}: ${JSON.stringify(v)}`);
    return out;
  });
}

strict('bhxhDate', portalToXsDate, 'a yyyyMMddHHmmss date');
strict('bhxhDateTime', portalToXsDateTime, 'a yyyyMMddHHmmss date-time');
strict('bhxhTimeToPortal', xsDateTimeToPortal, 'an xs:dateTime with offset');
