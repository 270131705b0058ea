/**
 * Reading documents parsed by `parseXml` with xml2js' `explicitArray` layout (every child element
 * an array, text as a string, or under `_` when the element has attributes).
 */

/** One leaf element of a parsed node, as found. */
export type Leaf =
  { kind: 'absent' } | { kind: 'multiple' } | { kind: 'not-text' } | { kind: 'text'; value: string };

/** Reads the element `name` of a parsed node as text; an empty element is `''`. */
export function leaf(node: unknown, name: string): Leaf {
  if (node === null || typeof node !== 'object') return { kind: 'absent' };
  const v = (node as Record<string, unknown>)[name];
  if (!Array.isArray(v) || v.length === 0) return { kind: 'absent' };
  if (v.length > 1) return { kind: 'multiple' };
  const only: unknown = v[0];
  if (typeof only === 'string') return { kind: 'text', value: only };
  if (only !== null && typeof only === 'object') {
    const o = only as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => k !== '$');
    if (keys.length === 0) return { kind: 'text', value: '' };
    if (keys.length === 1 && typeof o['_'] === 'string') return { kind: 'text', value: o['_'] };
  }
  return { kind: 'not-text' };
}

/** The child elements `name` of a parsed node (each an object, or `''` when empty). */
export function children(node: unknown, name: string): unknown[] {
  if (node === null || typeof node !== 'object') return [];
  const v = (node as Record<string, unknown>)[name];
  return Array.isArray(v) ? (v as unknown[]) : [];
}
