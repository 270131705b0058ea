import { Parser } from 'xml2js';

/**
 * A namespace-aware XML element tree that keeps text exactly as received.
 *
 * @remarks xml2js drops whitespace-only text and collapses leaf elements by default; with
 * `charsAsChildren` + `includeWhiteChars` every text chunk (CDATA included) is kept, so the text of
 * an element is byte-identical to what the sender put between its tags (after XML entity decoding).
 * The document is fed to xml2js' sax parser directly so that content after the root element (a
 * second root, stray text) is an error, as it is for a conforming XML parser.
 */
export interface XmlAttribute {
  name: string;
  local: string;
  uri: string;
  value: string;
}

export interface XmlElement {
  /** Qualified name as written (`tns:MaHoSo`). */
  name: string;
  local: string;
  /** Namespace URI ('' when none). */
  uri: string;
  /** Attributes without the namespace declarations. */
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** Concatenated character data of this element (not of its descendants), as received. */
  text: string;
}

export class XmlSyntaxError extends Error {}

interface RawAttr {
  name: string;
  value: string;
  prefix: string;
  local: string;
  uri: string;
}

interface RawNode {
  '#name': string;
  _?: string;
  $?: Record<string, RawAttr>;
  $ns?: { uri: string; local: string };
  $$?: RawNode[];
}

interface SaxLike {
  write(s: string): SaxLike;
  close(): SaxLike;
}

function convert(raw: RawNode): XmlElement {
  const attributes: XmlAttribute[] = [];
  for (const a of Object.values(raw.$ ?? {})) {
    if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
    attributes.push({ name: a.name, local: a.local, uri: a.uri, value: a.value });
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const c of raw.$$ ?? []) {
    if (c['#name'] === '__text__') text += c._ ?? '';
    else children.push(convert(c));
  }
  return {
    name: raw['#name'],
    local: raw.$ns?.local ?? raw['#name'],
    uri: raw.$ns?.uri ?? '',
    attributes,
    children,
    text,
  };
}

/** Parses a complete XML document; throws `XmlSyntaxError` for anything a strict parser rejects. */
export function parseXml(xml: string): XmlElement {
  const parser = new Parser({
    explicitChildren: true,
    preserveChildrenOrder: true,
    charsAsChildren: true,
    includeWhiteChars: true,
    xmlns: true,
    strict: true,
    explicitRoot: true,
  });
  let roots = 0;
  let result: Record<string, RawNode> | null = null;
  let error: Error | undefined;
  parser.on('end', (r: Record<string, RawNode> | null) => {
    roots += 1;
    result = r;
  });
  parser.on('error', (e: Error) => {
    error ??= e;
  });
  const sax = (parser as unknown as { saxParser: SaxLike }).saxParser;
  try {
    sax.write(xml).close();
  } catch (e) {
    error ??= e instanceof Error ? e : new Error(String(e));
  }
  if (error) throw new XmlSyntaxError(error.message.split('\n')[0] ?? 'invalid XML');
  if (roots !== 1 || result === null)
    throw new XmlSyntaxError(roots > 1 ? 'more than one root element' : 'no root element');
  const root = Object.values(result as Record<string, RawNode>)[0];
  if (!root) throw new XmlSyntaxError('no root element');
  return convert(root);
}

/** First child element with the given namespace and local name. */
export function child(el: XmlElement, uri: string, local: string): XmlElement | undefined {
  return el.children.find((c) => c.uri === uri && c.local === local);
}

/** Value of an attribute by namespace and local name. */
export function attribute(el: XmlElement, uri: string, local: string): string | undefined {
  return el.attributes.find((a) => a.uri === uri && a.local === local)?.value;
}
