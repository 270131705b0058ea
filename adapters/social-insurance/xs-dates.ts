import { formatLocalIso, formatPortalDateTime, parsePortalDateTime } from '../../src/domain/time.js';
import { registerConverter } from '../../src/mapping/template.js';

/**
 * BHXH's date formats (README §2.1): `xs:date` is `yyyy-MM-dd` without zone, `xs:dateTime` carries
 * a mandatory offset (social-insurance.md §1). The portal speaks local `yyyyMMddHHmmss`.
 *
 * @remarks Registered as mapping converters (`bhxhDate`, `bhxhDateTime`, `bhxhTimeToPortal`) so
 * `mappings/social-insurance.json` names the conversions instead of code doing them. The names
 * carry the system so they cannot collide with another adapter's converters.
 */
const XS_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Portal `yyyyMMdd000000` (any real portal date-time) → `yyyy-MM-dd`; null when not a real date. */
export function portalToXsDate(s: string): string | null {
  if (parsePortalDateTime(s) === null) return null;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** Portal local `yyyyMMddHHmmss` → `yyyy-MM-ddTHH:mm:ss+07:00`; null when not a real date-time. */
export function portalToXsDateTime(s: string): string | null {
  const d = parsePortalDateTime(s);
  return d ? formatLocalIso(d) : null;
}

/**
 * `xs:dateTime` with an offset → the instant, or null. Whitespace around the value is ignored
 * (XSD "collapse"); a value without offset, an impossible date or an offset beyond ±14:00 is null.
 */
export function parseXsDateTimeWithOffset(value: string): Date | null {
  const m = XS_DATE_TIME.exec(value.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ''));
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (
    probe.getUTCFullYear() !== y ||
    probe.getUTCMonth() !== mo - 1 ||
    probe.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return null;
  const zone = m[8] as string;
  let offsetMin = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (om > 59 || oh * 60 + om > 14 * 60) return null;
    offsetMin = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  return new Date(probe.getTime() - offsetMin * 60_000);
}

/** `xs:dateTime` with offset → portal local `yyyyMMddHHmmss` (fractions dropped); null when invalid. */
export function xsDateTimeToPortal(value: string): string | null {
  const d = parseXsDateTimeWithOffset(value);
  return d ? formatPortalDateTime(d) : null;
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
