import { isPlainObject } from './record-shape.js';
import { MSG } from './messages.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses a request body the way the portal does (§5.3): strict UTF-8 (README §2: no BOM — a BOM
 * makes the JSON invalid), then JSON, which must be an object. Strings are kept exactly as sent
 * (no normalisation).
 */
export function parseJsonObject(
  raw: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { ok: false, message: MSG.badJson };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(raw));
  } catch {
    return { ok: false, message: MSG.badJson };
  }
  return isPlainObject(value) ? { ok: true, value } : { ok: false, message: MSG.notAnObject };
}
