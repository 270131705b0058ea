import { XmlRefused } from '../../xml/safe-xml.js';
import { parseXmlTree, type XmlElement } from '../../xml/xml-tree.js';

export type { XmlAttribute, XmlElement } from '../../xml/xml-tree.js';
export { childElement as child } from '../../xml/xml-tree.js';

/** A document BHXH refuses; the message is the reason, after `XML không hợp lệ: `. */
export class XmlSyntaxError extends Error {}

function reasonOf(err: XmlRefused): string {
  switch (err.refusal) {
    case 'bom':
      return 'không được có byte order mark (BOM)';
    case 'encoding':
      return 'nội dung không phải UTF-8';
    case 'declared-encoding':
      return `encoding ${err.detail} không được hỗ trợ, chỉ UTF-8`;
    case 'doctype':
      return 'không chấp nhận DOCTYPE/ENTITY (DTD)';
    case 'size':
      return 'nội dung quá lớn';
    default:
      return err.detail;
  }
}

/**
 * Parses a complete XML document with the shared hardened reader (UTF-8 without BOM, an XML
 * declaration naming UTF-8, no DTD, strict, one root element), keeping text exactly as received:
 * whitespace-only text too, so an element's text is byte-identical to what the sender put between
 * its tags (after XML entity decoding).
 * @throws XmlSyntaxError naming what a strict reader refuses
 */
export function parseXml(xml: Buffer | string): XmlElement {
  try {
    return parseXmlTree(xml, { blankText: 'keep' });
  } catch (err) {
    if (err instanceof XmlRefused) throw new XmlSyntaxError(reasonOf(err));
    throw err;
  }
}
