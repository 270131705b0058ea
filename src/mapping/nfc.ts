/**
 * Every string of a JSON-like value in Unicode NFC (specs README §2: text is exchanged in NFC, and
 * a sender that holds decomposed text normalises it before sending). Records are stored as the
 * portal sent them; only what leaves for a system is normalised.
 */
export function toNfc<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map((v: unknown) => toNfc(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNfc(v)])) as T;
  }
  return value;
}
