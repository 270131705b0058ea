/**
 * Date-time conversions between the formats of the portal and the systems.
 *
 * @remarks Asia/Ho_Chi_Minh is UTC+07:00 all year (no daylight saving since 1975), so a fixed
 * offset is exact; using it avoids depending on the ICU data of the host.
 */
const OFFSET_MS = 7 * 3600 * 1000;

const PORTAL = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const UTC_NO_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** The instant of wall-clock fields (year, month, day, hours, minutes, seconds) at `offsetMs`; null when not real. */
function build(fields: readonly number[], offsetMs: number): Date | null {
  const [Y = 0, M = 0, D = 0, H = 0, I = 0, S = 0] = fields;
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
  return m ? build(m.slice(1).map(Number), OFFSET_MS) : null;
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
  return m ? build(m.slice(1).map(Number), 0) : null;
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

/** The fields of a local pattern; everything else in a pattern is literal text. */
const LOCAL_FIELDS = /yyyy|yy|MM|dd|HH|mm|ss/g;
type LocalField = 'yyyy' | 'yy' | 'MM' | 'dd' | 'HH' | 'mm' | 'ss';

/**
 * Date → Asia/Ho_Chi_Minh wall-clock text written as `pattern`, with the fields `yyyy`, `yy`,
 * `MM`, `dd`, `HH`, `mm`, `ss`, e.g. `dd/MM/yyyy`, `dd/MM/yyyy HH:mm:ss`, `yyyy/MM/dd HH:mm:ss`,
 * `yyyy-MM-ddTHH:mm:ss+07:00`. The systems' own formats are all this one offset (README §2.1).
 */
export function formatLocal(d: Date, pattern: string): string {
  const l = new Date(d.getTime() + OFFSET_MS);
  const fields: Record<LocalField, string> = {
    yyyy: pad(l.getUTCFullYear(), 4),
    yy: pad(l.getUTCFullYear() % 100),
    MM: pad(l.getUTCMonth() + 1),
    dd: pad(l.getUTCDate()),
    HH: pad(l.getUTCHours()),
    mm: pad(l.getUTCMinutes()),
    ss: pad(l.getUTCSeconds()),
  };
  return pattern.replace(LOCAL_FIELDS, (f) => fields[f as LocalField]);
}

const PARSED_ORDER = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss'] as const;
const localParsers = new Map<string, { re: RegExp; fields: LocalField[] }>();

function localParser(pattern: string): { re: RegExp; fields: LocalField[] } {
  let parser = localParsers.get(pattern);
  if (!parser) {
    const fields: LocalField[] = [];
    const source = pattern
      .split(/(yyyy|yy|MM|dd|HH|mm|ss)/)
      .map((part, i) => {
        if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        fields.push(part as LocalField);
        return part === 'yyyy' ? '(\\d{4})' : '(\\d{2})';
      })
      .join('');
    if (fields.includes('yy')) throw new Error(`parseLocal: ${pattern}: a two-digit year cannot be read`);
    parser = { re: new RegExp(`^${source}$`), fields };
    localParsers.set(pattern, parser);
  }
  return parser;
}

/**
 * Asia/Ho_Chi_Minh wall-clock text written exactly as `pattern` (see {@link formatLocal}; not `yy`)
 * → Date, or null when it does not match or is not a real date-time (31/02 is refused, not rolled
 * over). A date without a time is its local midnight.
 */
export function parseLocal(text: string, pattern: string): Date | null {
  const { re, fields } = localParser(pattern);
  const m = re.exec(text);
  if (!m) return null;
  const value = (f: LocalField): number => {
    const i = fields.indexOf(f);
    return i < 0 ? (f === 'MM' || f === 'dd' ? 1 : 0) : Number(m[i + 1]);
  };
  return build(PARSED_ORDER.map(value), OFFSET_MS);
}

/** Local text in pattern `from` → the same wall-clock time in pattern `to`; null when `text` is not real. */
export function convertLocal(text: string, from: string, to: string): string | null {
  const d = parseLocal(text, from);
  return d ? formatLocal(d, to) : null;
}
