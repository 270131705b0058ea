import { Parser, type ParserOptions } from 'xml2js';

/**
 * The one hardened XML reader of the gateway and the simulators (GUIDE.md §2): every XML body that
 * comes from outside is decoded and parsed here, so the defences are written once.
 *
 * @remarks In order: the size is capped before anything is decoded; bytes must be strict UTF-8
 * (README §2); a `<!DOCTYPE` or `<!ENTITY` anywhere is refused before the parser sees the text, so
 * no DTD is processed, no entity declared, expanded or fetched; an XML declaration naming another
 * encoding (the UTF-7/UTF-16 switch trick) is refused; sax runs strict (an undeclared entity, text
 * after the root, an unclosed tag are errors); elements may nest {@link MAX_XML_DEPTH} deep and
 * carry {@link MAX_XML_ATTRIBUTES} attributes (the readers of the tree recurse, and a megabyte of
 * `<a>` would otherwise overflow their stack); exactly one root element is required. Text is kept
 * exactly as received (no trim, no whitespace normalisation). Each protocol words the refusal its
 * own way (KQ `01`, a SOAP fault, `INVALID_EDXML`…) from {@link XmlRefused.refusal}.
 */

/** Largest XML body read unless the caller says otherwise: no message of the five systems nears it. */
export const MAX_XML_BYTES = 1024 * 1024;

/** Deepest element nesting accepted: the deepest message of the five systems (edXML in SOAP) is about 12. */
export const MAX_XML_DEPTH = 64;

/** Most attributes (namespace declarations included) one element may carry. */
export const MAX_XML_ATTRIBUTES = 64;

/** What was refused, for the caller to word: the message of {@link XmlRefused} is in English. */
export type XmlRefusal = 'size' | 'bom' | 'encoding' | 'declared-encoding' | 'doctype' | 'malformed' | 'root';

export class XmlRefused extends Error {
  constructor(
    readonly refusal: XmlRefusal,
    message: string,
    /** The part that varies: the reason (`malformed`, `root`), the declared encoding (`declared-encoding`). */
    readonly detail = '',
  ) {
    super(message);
    this.name = 'XmlRefused';
  }
}

export interface XmlReadOptions {
  /** Largest body accepted, in UTF-8 bytes. Default {@link MAX_XML_BYTES}. */
  maxBytes?: number;
  /**
   * A byte order mark at the start of the bytes: `refuse` (README §2 says none; the default) or
   * `drop` (a lenient reader of answers). Text already decoded is taken as is: sax skips a leading
   * U+FEFF, as XML allows.
   */
  bom?: 'refuse' | 'drop';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientBomUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks the size and decodes strict UTF-8; also serves JSON bodies, which have the same rules. */
export function decodeUtf8Body(body: Buffer | string, options: XmlReadOptions = {}): string {
  const maxBytes = options.maxBytes ?? MAX_XML_BYTES;
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > maxBytes) throw new XmlRefused('size', `larger than ${maxBytes} bytes`);
  if (typeof body === 'string') return body;
  const hasBom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  if (hasBom && (options.bom ?? 'refuse') === 'refuse') {
    throw new XmlRefused('bom', 'byte order mark not accepted');
  }
  try {
    return (hasBom ? lenientBomUtf8 : strictUtf8).decode(body);
  } catch {
    throw new XmlRefused('encoding', 'not valid UTF-8');
  }
}

const DECLARED_ENCODING = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']/;

/** A character XML 1.0 does not allow (§2.2 Char): C0 controls but tab and line ends, lone surrogates, U+FFFE/FFFF. */
// eslint-disable-next-line no-control-regex -- naming the control characters XML forbids is the point
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const CHAR_REFERENCE = /&#(?:x([0-9A-Fa-f]{1,8})|([0-9]{1,10}));/g;

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** Text made safe to write into an XML answer: characters XML cannot carry become U+FFFD. */
export function xmlSafeText(s: string): string {
  return s.replace(new RegExp(NOT_XML_CHAR.source, 'gu'), '\uFFFD');
}

/**
 * The checks made on the text before any parser sees it: no DTD, no other declared encoding, no
 * character (raw or as a reference) that XML 1.0 does not allow — sax lets a raw NUL or ESC pass,
 * and a value carrying one could not even be echoed in a well-formed answer.
 */
export function screenXmlText(text: string): void {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new XmlRefused('doctype', 'DOCTYPE/ENTITY declarations (DTD) are refused');
  }
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    const reason = `character ${hex(bad[0].codePointAt(0)!)} is not allowed in XML`;
    throw new XmlRefused('malformed', `malformed XML (${reason})`, reason);
  }
  for (const m of text.matchAll(CHAR_REFERENCE)) {
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    if (!isXmlChar(cp)) {
      const reason = `character reference ${m[0]} is not allowed in XML`;
      throw new XmlRefused('malformed', `malformed XML (${reason})`, reason);
    }
  }
  const declared = DECLARED_ENCODING.exec(text)?.[1];
  if (declared !== undefined && declared.toLowerCase() !== 'utf-8') {
    throw new XmlRefused('declared-encoding', `declared encoding ${declared} not accepted`, declared);
  }
}

/**
 * Counts the attributes of each tag in one pass over the text, before sax sees it: sax in xmlns
 * mode checks each attribute against the tag's list (quadratic: a megabyte of attributes on one
 * element took 18 s), so the limit must hold before parsing. Comments, CDATA and processing
 * instructions are skipped; `=` inside a quoted value does not count.
 */
function screenAttributeCount(text: string): void {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      i = end < 0 ? n : end + 3;
      continue;
    }
    let attributes = 0;
    let quote = '';
    let j = lt + 1;
    for (; j < n; j += 1) {
      const c = text[j];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '=') {
        attributes += 1;
        if (attributes > MAX_XML_ATTRIBUTES) {
          const reason = `more than ${MAX_XML_ATTRIBUTES} attributes on one element`;
          throw new XmlRefused('malformed', `malformed XML (${reason})`, reason);
        }
      } else if (c === '>') break;
    }
    i = j + 1;
  }
}

/** How the parsed document is laid out (xml2js options that change its shape, not its safety). */
export type XmlLayout = Pick<
  ParserOptions,
  | 'explicitArray'
  | 'ignoreAttrs'
  | 'emptyTag'
  | 'xmlns'
  | 'explicitChildren'
  | 'preserveChildrenOrder'
  | 'charsAsChildren'
  | 'includeWhiteChars'
  | 'explicitCharkey'
>;

/** Spread last, so no layout can loosen them. */
const HARDENED: ParserOptions = {
  strict: true,
  async: false,
  explicitRoot: true,
  trim: false,
  normalize: false,
  normalizeTags: false,
};

interface SaxFeed {
  write(text: string): SaxFeed;
  close(): SaxFeed;
  onopentag: (node: { attributes?: Record<string, unknown> }) => void;
  onclosetag: (...args: unknown[]) => void;
}

/** Wraps xml2js' sax handlers to refuse a document past the depth and attribute limits, as it streams. */
function limitStructure(sax: SaxFeed): void {
  const open = sax.onopentag;
  const close = sax.onclosetag;
  let depth = 0;
  sax.onopentag = function (this: unknown, node) {
    depth += 1;
    if (depth > MAX_XML_DEPTH) {
      const reason = `elements nested deeper than ${MAX_XML_DEPTH}`;
      throw new XmlRefused('malformed', `malformed XML (${reason})`, reason);
    }
    if (Object.keys(node.attributes ?? {}).length > MAX_XML_ATTRIBUTES) {
      const reason = `more than ${MAX_XML_ATTRIBUTES} attributes on one element`;
      throw new XmlRefused('malformed', `malformed XML (${reason})`, reason);
    }
    open.call(this, node);
  };
  sax.onclosetag = function (this: unknown, ...args: unknown[]) {
    depth -= 1;
    close.apply(this, args);
  };
}

/**
 * Decodes (see {@link decodeUtf8Body}), screens (see {@link screenXmlText}) and parses an XML
 * document with xml2js; returns xml2js' document object, whose only key is the root element.
 *
 * @remarks The text is fed to xml2js' sax parser directly, not through `parseString`: that one
 * stops listening at the first closing root tag, so a second root element or an error after it
 * would pass unseen. Every `end` is counted instead, and every error kept; parsing is synchronous.
 * @throws XmlRefused naming what was refused
 */
export function parseXml(
  body: Buffer | string,
  layout: XmlLayout,
  options: XmlReadOptions = {},
): Record<string, unknown> {
  const text = decodeUtf8Body(body, options);
  screenXmlText(text);
  screenAttributeCount(text);
  const parser = new Parser({ ...layout, ...HARDENED });
  const roots: unknown[] = [];
  let failure: unknown;
  // xml2js also emits `end` (with null) when the text ends without any root element.
  parser.on('end', (doc: unknown) => {
    if (doc !== null) roots.push(doc);
  });
  parser.on('error', (err: unknown) => {
    failure ??= err;
  });
  const sax = (parser as unknown as { saxParser: SaxFeed }).saxParser;
  limitStructure(sax);
  try {
    sax.write(text).close();
  } catch (err) {
    if (err instanceof XmlRefused) throw err;
    failure ??= err;
  }
  if (failure !== undefined) {
    const reason = (failure instanceof Error ? failure.message : String(failure)).split('\n')[0] ?? '';
    throw new XmlRefused('malformed', `malformed XML (${reason})`, reason);
  }
  const [doc] = roots;
  if (roots.length !== 1 || doc === null || typeof doc !== 'object') {
    const reason = roots.length > 1 ? 'more than one root element' : 'no root element';
    throw new XmlRefused('root', `malformed XML (${reason})`, reason);
  }
  return doc as Record<string, unknown>;
}
