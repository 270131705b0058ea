import { GatewayError } from '../errors/gateway-error.js';

/**
 * Deepest JSON nesting accepted in a body: the deepest message of the portal and the systems (a
 * dossier with its lists of documents) is about 6. `express.json` has no such limit, and
 * `JSON.stringify`, `structuredClone` and ajv all recurse: a megabyte of `[` parses, then
 * overflows the stack of whoever touches it next.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * How deep the JSON text nests, read in one pass over the bytes without parsing (brackets inside
 * strings do not count); stops early once past `stopAbove`.
 */
export function jsonDepth(body: Buffer | string, stopAbove = Number.POSITIVE_INFINITY): number {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i += 1) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth -= 1;
  }
  return deepest;
}

/**
 * Refuses a body nested deeper than {@link MAX_JSON_DEPTH} (GW_ERR_REQUEST_TOO_DEEP, 400). Meant
 * for `express.json({ verify })`, which runs it on the raw bytes before parsing: body-parser passes
 * the GatewayError on to the central error handler unchanged.
 */
export function checkJsonDepth(body: Buffer | string, max = MAX_JSON_DEPTH): void {
  const depth = jsonDepth(body, max);
  if (depth > max) {
    throw new GatewayError('GW_ERR_REQUEST_TOO_DEEP', {
      message: `The JSON body nests deeper than ${max} levels`,
      details: [{ path: '/', message: `nesting deeper than the limit of ${max}` }],
    });
  }
}
