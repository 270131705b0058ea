import { buildXml } from '../../src/xml/build-xml.js';
import { parseXml, XmlRefused } from '../../src/xml/safe-xml.js';

/**
 * The XML bodies of `/api/hotich/*` (civil-registration.md §1): UTF-8, no namespace, no attributes.
 * Answers come from outside, so they are read by the hardened reader of src/xml (size cap, no DTD,
 * strict parser); text is kept exactly as received (no trim).
 */

/** A parsed element: text for a leaf, named children otherwise (repeated children as an array). */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/**
 * Parses a response document and returns the content of its root, which must be `root`.
 * @throws XmlRefused naming what was refused
 */
export function parseXmlDocument(text: string, root: string): XmlObject {
  const doc = parseXml(text, { explicitArray: false, ignoreAttrs: true, emptyTag: '' });
  if (!(root in doc)) throw new XmlRefused('root', `root element is not <${root}>`);
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
  return buildXml({ [root]: content }, { selfClosingEmpty: true });
}
