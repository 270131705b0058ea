import { parseXml } from '../../xml/safe-xml.js';

/**
 * Parses a tax document (the transfer form, a KQ answer) with the shared hardened reader: every
 * child an array, attributes kept, an empty element `''`, text exactly as received.
 * @throws XmlRefused naming what was refused
 */
export function parseXmlSafely(text: string): Record<string, unknown> {
  return parseXml(text, { explicitArray: true, emptyTag: '' });
}
