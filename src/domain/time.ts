/**
 * Date-time conversions between the formats of the portal and the systems.
 *
 * @remarks Asia/Ho_Chi_Minh is UTC+07:00 all year (no daylight saving since 1975), so a fixed
 * offset is exact; using it avoids depending on the ICU data of the host.
 */
const OFFSET_MS = 7 * 3600 * 1000;

const PORTAL = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const UTC_NO_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

function build(
  y: string,
  mo: string,
  d: string,
  h: string,
  mi: string,
  s: string,
  offsetMs: number,
): Date | null {
  const [Y, M, D, H, I, S] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(Y, M - 1, D, H, I, S);
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== Y ||
    check.getUTCMonth() !== M - 1 ||
    check.getUTCDate() !== D ||
    check.getUTCHours() !== H ||
    check.getUTCMinutes() !== I ||
    check.getUTCSeconds() !== S
  )
    return null;
  return new Date(utc - offsetMs);
}

/** `yyyyMMddHHmmss` local (portal) → Date, or null when it is not a real date-time. */
export function parsePortalDateTime(s: string): Date | null {
  const m = PORTAL.exec(s);
  return m ? build(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!, OFFSET_MS) : null;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Date → `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh. */
export function formatPortalDateTime(d: Date): string {
  const l = new Date(d.getTime() + OFFSET_MS);
  return `${l.getUTCFullYear()}${pad(l.getUTCMonth() + 1)}${pad(l.getUTCDate())}${pad(l.getUTCHours())}${pad(l.getUTCMinutes())}${pad(l.getUTCSeconds())}`;
}

/** `yyyy-MM-ddTHH:mm:ss` in UTC (land registry) → Date, or null. */
export function parseUtcNoOffset(s: string): Date | null {
  const m = UTC_NO_OFFSET.exec(s);
  return m ? build(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!, 0) : null;
}

/** Date → `yyyy-MM-ddTHH:mm:ss` in UTC, without fraction, `Z` or offset (land registry). */
export function formatUtcNoOffset(d: Date): string {
  return d.toISOString().slice(0, 19);
}

/** Date → ISO 8601 with the +07:00 offset, for the gateway's own API and timelines. */
export function formatLocalIso(d: Date): string {
  const l = new Date(d.getTime() + OFFSET_MS);
  return `${l.toISOString().slice(0, 19)}+07:00`;
}

/** Portal local `yyyyMMddHHmmss` → land UTC `yyyy-MM-ddTHH:mm:ss`; null when the input is not a date-time. */
export function portalToLandUtc(s: string): string | null {
  const d = parsePortalDateTime(s);
  return d ? formatUtcNoOffset(d) : null;
}

/** Land UTC → portal local. */
export function landUtcToPortal(s: string): string | null {
  const d = parseUtcNoOffset(s);
  return d ? formatPortalDateTime(d) : null;
}
