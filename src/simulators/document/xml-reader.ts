import { decodeUtf8Body, XmlRefused } from '../../xml/safe-xml.js';
import { parseXmlTree, type XmlElement } from '../../xml/xml-tree.js';

/** One element of a parsed XML document, namespace-resolved, children in document order. */
export type XmlNode = XmlElement;

/** Why a byte sequence is not an acceptable XML document; `reason` is the vendor's wording. */
export class XmlReadError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'XmlReadError';
  }
}

function vendorReason(err: XmlRefused): string {
  switch (err.refusal) {
    case 'bom':
      return 'tài liệu XML không được có BOM';
    case 'encoding':
      return 'không phải văn bản UTF-8 hợp lệ';
    case 'declared-encoding':
      return `bảng mã ${err.detail} không được chấp nhận, chỉ UTF-8`;
    case 'doctype':
      return 'không chấp nhận khai báo DOCTYPE/ENTITY';
    case 'root':
      return 'XML không hợp lệ (phải có đúng một phần tử gốc)';
    default:
      return `XML không hợp lệ (${err.detail || err.message})`;
  }
}

/**
 * Reads UTF-8 XML bytes the way the axis does, with the shared hardened reader: no byte order mark
 * (README §2), strictly valid UTF-8, an XML declaration (when present) naming UTF-8, no DTD at
 * all, exactly one root element. Whitespace-only text reads as ''.
 *
 * @remarks No size cap here: a package's size is checked on its base64 before decoding
 * (edxml-document.ts, the axis' 20 MB), and status messages are the simulator's own.
 */
export function readXml(bytes: Buffer): { text: string; root: XmlNode } {
  const options = { maxBytes: Number.POSITIVE_INFINITY, blankText: 'empty' } as const;
  try {
    const text = decodeUtf8Body(bytes, options);
    return { text, root: parseXmlTree(text, options) };
  } catch (err) {
    if (err instanceof XmlRefused) throw new XmlReadError(vendorReason(err));
    throw err;
  }
}
