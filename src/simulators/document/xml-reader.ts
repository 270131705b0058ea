import { Parser } from 'xml2js';

/** One element of a parsed XML document, namespace-resolved, children in document order. */
export interface XmlNode {
  uri: string;
  local: string;
  /** Character data directly inside the element, exactly as received (entities resolved); '' when none. */
  text: string;
  children: XmlNode[];
}

/** Why a byte sequence is not an acceptable XML document; `reason` is the vendor's wording. */
export class XmlReadError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'XmlReadError';
  }
}

interface SaxHooks {
  onopentag: (node: unknown) => void;
  onclosetag: (name: string) => void;
}

interface RawNode {
  _?: string;
  $ns?: { uri?: string; local?: string };
  $$?: RawNode[];
}

/**
 * Reads UTF-8 XML bytes the way the axis does: no byte order mark (README §2), strictly valid
 * UTF-8, an XML declaration (when present) naming UTF-8, no DTD at all (a `<!DOCTYPE` is refused
 * before parsing, so no entity can ever be expanded), exactly one root element.
 *
 * @remarks xml2js ends its result at the first closing root tag and silently ignores a second
 * root element, so the sax callbacks are wrapped to count root elements; parsing is synchronous
 * (`async: false`), which makes the count final when `parseString` returns.
 */
export function readXml(bytes: Buffer): { text: string; root: XmlNode } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new XmlReadError('tài liệu XML không được có BOM');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new XmlReadError('không phải văn bản UTF-8 hợp lệ');
  }
  const declaration = /^<\?xml\s[^?]*\?>/.exec(text);
  if (declaration) {
    const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(declaration[0]);
    if (encoding && encoding[1]?.toUpperCase() !== 'UTF-8') {
      throw new XmlReadError(`bảng mã ${encoding[1] ?? ''} không được chấp nhận, chỉ UTF-8`);
    }
  }
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new XmlReadError('không chấp nhận khai báo DOCTYPE/ENTITY');
  }

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
    const message = failure instanceof Error ? failure.message.split('\n')[0] : String(failure);
    throw new XmlReadError(`XML không hợp lệ (${message ?? ''})`);
  }
  if (roots !== 1 || depth !== 0 || result === null || typeof result !== 'object') {
    throw new XmlReadError('XML không hợp lệ (phải có đúng một phần tử gốc)');
  }
  const top = Object.values(result as Record<string, RawNode>)[0];
  if (!top) throw new XmlReadError('XML không hợp lệ (thiếu phần tử gốc)');
  return { text, root: toNode(top) };
}

function toNode(raw: RawNode): XmlNode {
  return {
    uri: raw.$ns?.uri ?? '',
    local: raw.$ns?.local ?? '',
    text: typeof raw._ === 'string' ? raw._ : '',
    children: (raw.$$ ?? []).map(toNode),
  };
}
