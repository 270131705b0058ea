import { GatewayError } from '../../src/errors/gateway-error.js';
import { XmlRefused } from '../../src/xml/safe-xml.js';
import { parseXmlTree, type XmlElement } from '../../src/xml/xml-tree.js';
import { MAX_XML_BYTES } from './protocol.js';

/** One element of a received XML document, with its namespace resolved; whitespace-only text is ''. */
export type XmlNode = XmlElement;

function invalid(message: string): GatewayError {
  return new GatewayError('GW_ERR_CALLBACK_INVALID', { message, details: [{ path: '/', message }] });
}

/** The reason in BHXH's words (Vietnamese, as its faults), after `XML không hợp lệ: `. */
function reasonOf(err: XmlRefused, maxBytes: number): string {
  switch (err.refusal) {
    case 'size':
      return `nội dung vượt quá ${maxBytes} byte`;
    case 'bom':
    case 'encoding':
      return 'nội dung không phải UTF-8';
    case 'declared-encoding':
      return `encoding ${err.detail} không được hỗ trợ, chỉ UTF-8`;
    case 'doctype':
      return 'không chấp nhận DOCTYPE/ENTITY (DTD)';
    case 'root':
      return err.detail === 'no root element' ? 'không có phần tử gốc' : 'có nhiều hơn một phần tử gốc';
    case 'malformed':
      return err.detail;
  }
}

/**
 * Parses an XML message received from outside with the hardened reader of src/xml (GUIDE.md §2):
 * size capped, UTF-8 only (README §2), no DTD ever processed, strict parser, namespaces resolved,
 * text kept exactly as received.
 *
 * @throws GatewayError GW_ERR_CALLBACK_INVALID with the reason
 */
export function readXml(raw: Buffer | string, maxBytes = MAX_XML_BYTES): XmlNode {
  if (raw.length === 0) throw invalid('XML không hợp lệ: nội dung rỗng');
  try {
    return parseXmlTree(raw, { maxBytes, bom: 'drop', blankText: 'empty' });
  } catch (err) {
    if (err instanceof XmlRefused) throw invalid(`XML không hợp lệ: ${reasonOf(err, maxBytes)}`);
    throw err;
  }
}
