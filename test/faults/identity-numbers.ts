/** Fields of a dossier that hold a citizen's personal numbers (identity card, social insurance, tax code, phone). */
const PERSONAL_NUMBER_FIELD = /SoDinhDanh|SoGiayTo|SoCCCD|CCCD|CMND|MaSoBHXH|MaSoThue|SoDienThoai/;

/** Every distinct personal number (8 digits or more) found under such a field anywhere in `records`. */
export function identityNumbersIn(records: readonly unknown[]): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, k);
    else if (typeof v === 'string' && PERSONAL_NUMBER_FIELD.test(key) && /^\d{8,}$/.test(v)) out.add(v);
  };
  for (const r of records) walk(r, '');
  return [...out];
}
