import xml2js from 'xml2js';

/**
 * The XML bodies of `/api/hotich/*` (civil-registration.md §1): UTF-8, no namespace, no attributes.
 *
 * @remarks Responses come from outside, so parsing is hardened: the size is capped, any DOCTYPE or
 * ENTITY declaration is refused before the parser sees the text (no DTD, no entity expansion,
 * nothing fetched), and xml2js runs in strict mode. Text is kept exactly as received (no trim).
 */
export const MAX_XML_BYTES = 1024 * 1024;

export class XmlRefused extends Error {
  override name = 'XmlRefused';
}

/** A parsed element: text for a leaf, named children otherwise (repeated children as an array). */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** Parses a response document and returns the content of its root, which must be `root`. */
export async function parseXmlDocument(text: string, root: string): Promise<XmlObject> {
  if (Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES)
    throw new XmlRefused(`larger than ${MAX_XML_BYTES} bytes`);
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text))
    throw new XmlRefused('DOCTYPE/ENTITY declarations are refused');
  const parser = new xml2js.Parser({
    explicitArray: false,
    explicitRoot: true,
    ignoreAttrs: true,
    trim: false,
    normalize: false,
    strict: true,
    emptyTag: '',
    async: false,
  });
  let parsed: unknown;
  try {
    parsed = await parser.parseStringPromise(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new XmlRefused(`not well-formed XML (${(err as Error).message.split('\n')[0] ?? ''})`);
  }
  const doc = parsed as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object' || !(root in doc))
    throw new XmlRefused(`root element is not <${root}>`);
  const content = doc[root];
  // `<ketQua></ketQua>` parses to '' : an element without children.
  return content !== null && typeof content === 'object' && !Array.isArray(content)
    ? (content as XmlObject)
    : {};
}

/** The text of a leaf child; '' when absent or empty (§1: both mean "no value"). */
export function textOf(parent: XmlObject, name: string): string {
  const v = parent[name];
  return typeof v === 'string' ? v : '';
}

/** The children called `name` of an element, whether there is one or several. */
export function childrenOf(parent: XmlObject | undefined, name: string): unknown[] {
  if (!parent || typeof parent !== 'object') return [];
  const v = parent[name];
  if (v === undefined || typeof v === 'string') return [];
  return Array.isArray(v) ? v : [v];
}

/** Drops empty values and elements left without children: an optional element may be omitted (§1). */
export function pruneEmpty(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) {
    const items = value.map(pruneEmpty).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const pruned = pruneEmpty(v);
      if (pruned !== undefined) out[k] = pruned;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  // README §2: text is exchanged in NFC; a record holding decomposed text is normalised on the way out.
  return typeof value === 'string' ? value.normalize('NFC') : String(value);
}

/** Builds a request document: XML declaration with UTF-8, two-space indentation, final newline. */
export function buildXmlDocument(root: string, content: Record<string, unknown>): string {
  const builder = new xml2js.Builder({
    rootName: root,
    xmldec: { version: '1.0', encoding: 'UTF-8' },
    renderOpts: { pretty: true, indent: '  ', newline: '\n' },
  });
  return `${builder.buildObject(content)}\n`;
}
