import { maskString } from '../logging/redact.js';

/**
 * Field names (compared lower-case, without `_` or `-`) that carry a citizen's identity: names,
 * identity and tax numbers, birth dates, addresses, phone, e-mail — in the systems' spellings
 * (PascalCase JSON, camelCase XML, upper-case tax XML).
 */
const IDENTITY_FIELDS = new Set([
  'hoten',
  'hotenchu',
  'hovaten',
  'hotennguoinop',
  'hotenchuhoso',
  'tenchuhoso',
  'sogiayto',
  'sogiaytochuhoso',
  'sodinhdanh',
  'socccd',
  'cccd',
  'socmnd',
  'cmnd',
  'sohochieu',
  'masobhxh',
  'masothue',
  'mst',
  'sodienthoai',
  'dienthoai',
  'email',
  'ngaysinh',
  'diachi',
  'diachithuongtru',
  'diachilienhe',
  'noicutru',
  'noithuongtru',
]);

function isIdentityField(name: string): boolean {
  const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
  return IDENTITY_FIELDS.has(local.replace(/[_-]/g, '').toLowerCase());
}

/** Keeps only what tells values apart without revealing them: initials of names, last 3 characters otherwise. */
function maskValue(field: string, v: string): string {
  if (v === '') return v;
  if (field.replace(/[_-]/g, '').toLowerCase().startsWith('hoten') || /ten/i.test(field)) {
    return v
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => `${[...w][0]}***`)
      .join(' ');
  }
  return v.length <= 3 ? '***' : `***${v.slice(-3)}`;
}

/** Masks identity data in a JSON value (object keys) or an XML text (element contents). */
export function maskIdentity(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[depth]';
  if (typeof value === 'string') return maskXml(value);
  if (Array.isArray(value)) return value.map((v) => maskIdentity(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (isIdentityField(k) && (typeof v === 'string' || typeof v === 'number'))
        out[k] = maskValue(k, String(v));
      else out[k] = maskIdentity(v, depth + 1);
    }
    return out;
  }
  return value;
}

const ELEMENT = /<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)(\s[^>]*)?>([^<]*)<\/\1>/g;

function maskXml(s: string): string {
  const masked = s.replace(ELEMENT, (whole, name: string, attrs: string | undefined, text: string) =>
    isIdentityField(name) ? `<${name}${attrs ?? ''}>${maskValue(name, text)}</${name}>` : whole,
  );
  return maskString(masked);
}
