import { parseXml, type XmlReadOptions } from './safe-xml.js';

/**
 * A namespace-resolved element tree, for the protocols that match elements by namespace and not by
 * prefix (SOAP, edXML). Parsed by {@link parseXml}, so with all of its defences.
 */
export interface XmlAttribute {
  /** Qualified name as written (`soap:mustUnderstand`). */
  name: string;
  local: string;
  /** Namespace URI ('' when none). */
  uri: string;
  value: string;
}

export interface XmlElement {
  /** Qualified name as written (`tns:MaHoSo`), for messages. */
  name: string;
  local: string;
  /** Namespace URI ('' when none). */
  uri: string;
  /** Attributes without the namespace declarations. */
  attributes: XmlAttribute[];
  /** Child elements in document order. */
  children: XmlElement[];
  /** Character data of this element (not of its descendants), entities decoded, CDATA included. */
  text: string;
}

export interface XmlTreeOptions extends XmlReadOptions {
  /**
   * Text made of whitespace only: `keep` it exactly as received, or read it as `empty` ('', the
   * way xml2js reports it), for readers to which indentation between elements means nothing.
   */
  blankText: 'keep' | 'empty';
}

interface RawAttribute {
  name: string;
  value: string;
  local: string;
  uri: string;
}

interface RawNode {
  '#name': string;
  _?: string;
  $?: Record<string, RawAttribute>;
  $ns?: { uri: string; local: string };
  $$?: RawNode[];
}

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

function toElement(raw: RawNode, blankText: XmlTreeOptions['blankText']): XmlElement {
  const children: XmlElement[] = [];
  let text = '';
  for (const c of raw.$$ ?? []) {
    // Character data comes as `__text__` nodes (charsAsChildren); elements always carry `$ns`.
    if (c.$ns === undefined && c['#name'] === '__text__') text += c._ ?? '';
    else children.push(toElement(c, blankText));
  }
  return {
    name: raw['#name'],
    local: raw.$ns?.local ?? raw['#name'],
    uri: raw.$ns?.uri ?? '',
    attributes: Object.values(raw.$ ?? {})
      .filter((a) => a.uri !== XMLNS_NS)
      .map((a) => ({ name: a.name, local: a.local, uri: a.uri, value: a.value })),
    children,
    // xml2js drops whitespace-only character data from `_` (except CDATA) and keeps the rest whole.
    text: blankText === 'keep' ? text : (raw._ ?? ''),
  };
}

/** Parses a document into its root element; throws XmlRefused like {@link parseXml}. */
export function parseXmlTree(body: Buffer | string, options: XmlTreeOptions): XmlElement {
  const doc = parseXml(
    body,
    {
      xmlns: true,
      explicitChildren: true,
      preserveChildrenOrder: true,
      charsAsChildren: true,
      includeWhiteChars: true,
    },
    options,
  );
  return toElement(Object.values(doc)[0] as RawNode, options.blankText);
}

/** First child element with the given namespace and local name. */
export function childElement(
  parent: XmlElement | undefined,
  uri: string,
  local: string,
): XmlElement | undefined {
  return parent?.children.find((c) => c.uri === uri && c.local === local);
}

/** Value of an attribute by namespace and local name. */
export function attributeValue(el: XmlElement, uri: string, local: string): string | undefined {
  return el.attributes.find((a) => a.uri === uri && a.local === local)?.value;
}
