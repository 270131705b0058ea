import { parseStringPromise } from 'xml2js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { MAX_XML_BYTES } from './protocol.js';

/** One element of a received XML document, with its namespace resolved. */
export interface XmlNode {
  /** Qualified name as written (`tns:MaHoSo`), for messages. */
  name: string;
  uri: string;
  local: string;
  attributes: Array<{ uri: string; local: string; value: string }>;
  children: XmlNode[];
  /** Character content (entities decoded); whitespace-only content is ''. */
  text: string;
}

interface Xml2jsAttribute {
  value: string;
  local: string;
  uri: string;
}
interface Xml2jsNode {
  '#name'?: string;
  _?: string;
  $?: Record<string, Xml2jsAttribute>;
  $ns?: { uri: string; local: string };
  $$?: Xml2jsNode[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function invalid(message: string): GatewayError {
  return new GatewayError('GW_ERR_CALLBACK_INVALID', { message, details: [{ path: '/', message }] });
}

function convert(node: Xml2jsNode, name: string): XmlNode {
  return {
    name,
    uri: node.$ns?.uri ?? '',
    local: node.$ns?.local ?? name.slice(name.indexOf(':') + 1),
    attributes: Object.values(node.$ ?? {})
      .filter((a) => a.uri !== 'http://www.w3.org/2000/xmlns/')
      .map((a) => ({ uri: a.uri, local: a.local, value: a.value })),
    children: (node.$$ ?? []).map((c) => convert(c, c['#name'] ?? '')),
    text: node._ ?? '',
  };
}

/**
 * Parses an XML message received from outside, hardened (GUIDE.md §2): the size is capped, the
 * bytes must be UTF-8 (README §2), and any `<!DOCTYPE` or `<!ENTITY` is refused before the parser
 * sees it, so no DTD is ever processed and no entity expanded. xml2js runs in strict mode with
 * namespaces resolved; text is kept exactly as received (no trim, no normalisation).
 *
 * @throws GatewayError GW_ERR_CALLBACK_INVALID with the reason (Vietnamese, as BHXH's faults)
 */
export async function readXml(raw: Buffer | string, maxBytes = MAX_XML_BYTES): Promise<XmlNode> {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
  if (size === 0) throw invalid('XML không hợp lệ: nội dung rỗng');
  if (size > maxBytes) throw invalid(`XML không hợp lệ: nội dung vượt quá ${maxBytes} byte`);
  let xml: string;
  try {
    xml = typeof raw === 'string' ? raw : utf8.decode(raw);
  } catch {
    throw invalid('XML không hợp lệ: nội dung không phải UTF-8');
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw invalid('XML không hợp lệ: không chấp nhận DOCTYPE/ENTITY (DTD)');
  }
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/.exec(xml)?.[1];
  if (declared !== undefined && declared.toLowerCase() !== 'utf-8') {
    throw invalid(`XML không hợp lệ: encoding ${declared} không được hỗ trợ, chỉ UTF-8`);
  }
  let doc: Record<string, Xml2jsNode>;
  try {
    doc = (await parseStringPromise(xml, {
      strict: true,
      xmlns: true,
      explicitRoot: true,
      explicitChildren: true,
      preserveChildrenOrder: true,
      explicitCharkey: true,
      charsAsChildren: false,
      includeWhiteChars: false,
      trim: false,
      normalize: false,
      async: false,
    })) as Record<string, Xml2jsNode>;
  } catch (err) {
    const reason = ((err as Error).message ?? 'lỗi cú pháp').split('\n')[0];
    throw invalid(`XML không hợp lệ: ${reason}`);
  }
  const [rootName, root] = Object.entries(doc ?? {})[0] ?? [];
  if (!rootName || !root) throw invalid('XML không hợp lệ: không có phần tử gốc');
  return convert(root, rootName);
}
