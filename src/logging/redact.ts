/**
 * Masks what must never reach a log in clear: citizen identity numbers (9 or 12 digits), phone
 * numbers, passwords, tokens and keys.
 *
 * @remarks Key-based redaction alone is not enough: identity numbers also travel inside error
 * messages and upstream bodies, so string values are scanned as well. Over-masking a 9-digit amount
 * in a log line is the accepted price.
 */
const SECRET_KEYS = new Set(
  [
    'password',
    'session',
    'token',
    'access_token',
    'authorization',
    'x-motcua-key',
    'x-vbdlis-key',
    'securitykey',
    'securitycode',
    'client_secret',
    'apikey',
    'cookie',
  ].map((k) => k.toLowerCase()),
);
const PII_KEYS = new Set(
  [
    'SoDinhDanh',
    'SoGiayToChuHoSo',
    'SoDienThoai',
    'SoCCCD',
    'MaSoBHXH',
    'SoGiayTo',
    'MaSoThue',
    'soDinhDanh',
    'Email',
  ].map((k) => k.toLowerCase()),
);

// Not inside identifiers: request ids (UUIDs) and dossier codes also contain runs of digits.
const ID_NUMBER = /(?<![0-9A-Za-z-])(?:[0-9]{12}|[0-9]{9}|0[0-9]{9,10})(?![0-9A-Za-z-])/g;
/** The securityCode travels in callback paths: `/callbacks/land/<code>/Operation`. */
const CALLBACK_PATH = /(\/callbacks\/[a-z-]+\/)[^/?\s]+/g;

function maskAllButLast3(v: string): string {
  return v.length <= 3 ? '*'.repeat(v.length) : `${'*'.repeat(v.length - 3)}${v.slice(-3)}`;
}

export function maskString(s: string): string {
  return s.replace(ID_NUMBER, maskAllButLast3).replace(CALLBACK_PATH, '$1***');
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 12) return '[depth]';
  if (typeof value === 'string') return maskString(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: maskString(value.message), code: (value as { code?: unknown }).code };
  }
  if (typeof value === 'object' && value !== null) {
    // Only plain data is walked; library objects (requests, sockets) are left to their serializers.
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const lk = k.toLowerCase();
      if (SECRET_KEYS.has(lk)) out[k] = '[REDACTED]';
      else if (PII_KEYS.has(lk) && typeof v === 'string') out[k] = maskAllButLast3(v);
      else out[k] = redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
