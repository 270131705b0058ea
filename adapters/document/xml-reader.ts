import { Parser } from 'xml2js';

/** One element of a parsed XML document, namespace-resolved, children in document order. */
export interface XmlNode {
  uri: string;
  local: string;
  /** Character data directly inside the element, entities resolved; '' when none. */
  text: string;
  children: XmlNode[];
}

/** Largest status message accepted (a status is a few hundred bytes; 1 MiB leaves room, bounds memory). */
export const MAX_XML_BYTES = 1024 * 1024;

interface RawNode {
  _?: string;
  $ns?: { uri?: string; local?: string };
  $$?: RawNode[];
}

interface SaxHooks {
  onopentag: (node: unknown) => void;
  onclosetag: (name: string) => void;
}

/**
 * Parses XML received from the axis, hardened: the size is capped before anything else, a
 * `<!DOCTYPE` or `<!ENTITY` anywhere is refused before parsing (so no entity can ever be declared,
 * let alone expanded), and xml2js runs in strict mode without DTD support. Throws Error with a
 * short reason; the caller turns it into a reject.
 *
 * @remarks xml2js stops at the first closing root tag and ignores a second root element, so the
 * sax callbacks are wrapped to count roots; parsing is synchronous (`async: false`), so the count
 * is final when `parseString` returns.
 */
export function readXml(bytes: Buffer): XmlNode {
  if (bytes.length > MAX_XML_BYTES) throw new Error(`XML larger than ${MAX_XML_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error('not valid UTF-8');
  }
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text))
    throw new Error('DOCTYPE/ENTITY declarations are refused');

  const parser = new Parser({
    async: false,
    strict: true,
    xmlns: true,
    ignoreAttrs: true,
    explicitRoot: true,
    explicitArray: true,
    explicitChildren: true,
    preserveChildrenOrder: true,
    charsAsChildren: false,
    includeWhiteChars: false,
    trim: false,
    normalize: false,
  });
  const sax = (parser as unknown as { saxParser: SaxHooks }).saxParser;
  let depth = 0;
  let roots = 0;
  const open = sax.onopentag;
  const close = sax.onclosetag;
  sax.onopentag = (node) => {
    if (depth === 0) roots += 1;
    depth += 1;
    open(node);
  };
  sax.onclosetag = (name) => {
    depth -= 1;
    close(name);
  };

  let result: unknown;
  let failure: unknown;
  try {
    parser.parseString(text, (err: unknown, parsed: unknown) => {
      if (err) failure ??= err;
      else if (result === undefined) result = parsed;
    });
  } catch (err) {
    failure ??= err;
  }
  if (failure !== undefined) {
    const message = failure instanceof Error ? (failure.message.split('\n')[0] ?? '') : String(failure);
    throw new Error(`malformed XML (${message})`);
  }
  if (roots !== 1 || depth !== 0 || result === null || typeof result !== 'object') {
    throw new Error('malformed XML (exactly one root element is required)');
  }
  const top = Object.values(result as Record<string, RawNode>)[0];
  if (!top) throw new Error('malformed XML (no root element)');
  return toNode(top);
}

function toNode(raw: RawNode): XmlNode {
  return {
    uri: raw.$ns?.uri ?? '',
    local: raw.$ns?.local ?? '',
    text: typeof raw._ === 'string' ? raw._ : '',
    children: (raw.$$ ?? []).map(toNode),
  };
}
