import { Parser, type ParserOptions } from 'xml2js';

/**
 * The one hardened XML reader of the gateway and the simulators (GUIDE.md §2): every XML body that
 * comes from outside is decoded and parsed here, so the defences are written once.
 *
 * @remarks In order: the size is capped before anything is decoded; bytes must be strict UTF-8
 * (README §2); a `<!DOCTYPE` or `<!ENTITY` anywhere is refused before the parser sees the text, so
 * no DTD is processed, no entity declared, expanded or fetched; an XML declaration naming another
 * encoding (the UTF-7/UTF-16 switch trick) is refused; sax runs strict (an undeclared entity, text
 * after the root, an unclosed tag are errors); exactly one root element is required. Text is kept
 * exactly as received (no trim, no whitespace normalisation). Each protocol words the refusal its
 * own way (KQ `01`, a SOAP fault, `INVALID_EDXML`…) from {@link XmlRefused.refusal}.
 */

/** Largest XML body read unless the caller says otherwise: no message of the five systems nears it. */
export const MAX_XML_BYTES = 1024 * 1024;

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

/** The checks made on the text before any parser sees it (no DTD, no other declared encoding). */
export function screenXmlText(text: string): void {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new XmlRefused('doctype', 'DOCTYPE/ENTITY declarations (DTD) are refused');
  }
  const declared = DECLARED_ENCODING.exec(text)?.[1];
  if (declared !== undefined && declared.toLowerCase() !== 'utf-8') {
    throw new XmlRefused('declared-encoding', `declared encoding ${declared} not accepted`, declared);
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
  try {
    (parser as unknown as { saxParser: SaxFeed }).saxParser.write(text).close();
  } catch (err) {
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
