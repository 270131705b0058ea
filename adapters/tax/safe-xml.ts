import { buildXml as buildDocument } from '../../src/xml/build-xml.js';
import { MAX_XML_BYTES, parseXml } from '../../src/xml/safe-xml.js';

/**
 * Parses a tax message (pushed or answered) with the hardened reader of src/xml. Layout: every
 * child an array, attributes kept (an element carrying some is not plain text), an empty element
 * `''`. Text is kept exactly as received (README §2: stored and returned byte-identical).
 * @throws XmlRefused; the caller words the answer (KQ `01`, or an unknown outcome)
 */
export function parseXmlSafely(body: Buffer | string, maxBytes = MAX_XML_BYTES): Record<string, unknown> {
  return parseXml(body, { explicitArray: true, emptyTag: '' }, { maxBytes });
}

/** README §2: a sender holding decomposed text must send NFC. */
function toNfc(value: unknown): unknown {
  if (typeof value === 'string') return value.normalize('NFC');
  if (Array.isArray(value)) return value.map(toNfc);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNfc(v)]));
  }
  return value;
}

/** Builds a document in the layout of the spec's example files, every text in NFC. */
export function buildXml(root: Record<string, unknown>): string {
  return buildDocument(toNfc(root) as Record<string, unknown>);
}
