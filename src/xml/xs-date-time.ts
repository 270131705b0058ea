/**
 * XML Schema's `xs:dateTime` as BHXH narrows it (social-insurance.md §1: the offset is mandatory),
 * read the same way by the gateway and the simulator.
 */

/** XSD whitespace "collapse" (date/time and numeric types): leading and trailing XML whitespace is ignored. */
export const collapse = (v: string): string => v.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

export type XsDateTime = { ok: true; epochMs: number } | { ok: false; reason: 'format' | 'offset' };

const XS_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * `yyyy-MM-ddTHH:mm:ss[.fff](Z|±hh:mm)` → the instant; a value that would be valid but lacks the
 * offset gives `offset`, anything else wrong (an impossible date, an offset beyond ±14:00) `format`.
 */
export function parseXsDateTime(value: string): XsDateTime {
  const m = XS_DATE_TIME.exec(collapse(value));
  if (!m) return { ok: false, reason: 'format' };
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1, 7).map(Number);
  const wallClock = Date.UTC(y, mo - 1, d, h, mi, s);
  const probe = new Date(wallClock);
  // Date.UTC rolls 31/02 over (and reads years 0–99 as 19xx): a value that does not come back is not real.
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d)
    return { ok: false, reason: 'format' };
  if (h > 23 || mi > 59 || s > 59) return { ok: false, reason: 'format' };
  const zone = m[8];
  if (zone === undefined) return { ok: false, reason: 'offset' };
  let offsetMin = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (om > 59 || oh * 60 + om > 14 * 60) return { ok: false, reason: 'format' };
    offsetMin = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
  return { ok: true, epochMs: wallClock + fraction - offsetMin * 60_000 };
}
