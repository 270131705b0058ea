import { decodeWrappedBase64, isStrictBase64 } from './base64.js';
import { DOCUMENT_RULE } from './edxml-schema.js';
import { checkStructure, child, children, optionalText, textAt } from './edxml-structure.js';
import { invalidEdxml } from './rejection.js';
import { readXml, XmlReadError } from './xml-reader.js';
import type { XmlNode } from './xml-reader.js';

export interface Organ {
  OrganId: string;
  OrganName: string;
}

export interface AttachmentInfo {
  ContentId: string;
  ContentType: string;
  Description?: string;
  AttachmentName: string;
  /** Decoded size in bytes. */
  size: number;
  /** First bytes of the file, to recognise its kind (e.g. `%PDF-`). */
  head: Buffer;
}

/** The fields of a received edXML document package the axis and the one-stop profile look at. */
export interface EdxmlDocument {
  /** The decoded package, exactly as received. */
  xml: string;
  from: Organ;
  to: Organ[];
  codeNumber: string;
  codeNotation: string;
  promulgationDate: string;
  type: string;
  typeName: string;
  subject: string;
  content?: string;
  dueDate?: string;
  documentId: string;
  bussinessDocType: string;
  attachments: AttachmentInfo[];
}

/**
 * Every check of §3.4 up to (not including) the receiver and duplicate checks: base64, size,
 * UTF-8 well-formed XML with root `edXMLEnvelope` in the edXML namespace, the §3 structure,
 * `DocumentId` against its parts, the sender's `OrganId`, the manifest against the attachments.
 */
export function readDocumentPackage(
  noiDung: string,
  options: { senderOrganId: string; maxBytes: number },
): EdxmlDocument {
  if (!isStrictBase64(noiDung))
    throw invalidEdxml('noiDung', 'không phải base64 hợp lệ (RFC 4648, có đệm =, không xuống dòng)');
  // 3 bytes per 4 characters, less the padding: the size is known before decoding.
  const size = (noiDung.length / 4) * 3 - (noiDung.endsWith('==') ? 2 : noiDung.endsWith('=') ? 1 : 0);
  if (size > options.maxBytes) throw invalidEdxml('noiDung', `gói edXML vượt quá ${options.maxBytes} byte`);
  let parsed: { text: string; root: XmlNode };
  try {
    parsed = readXml(Buffer.from(noiDung, 'base64'));
  } catch (err) {
    if (err instanceof XmlReadError) throw invalidEdxml('noiDung', err.reason);
    throw err;
  }
  const { root, text } = parsed;
  checkStructure(root, DOCUMENT_RULE);

  const header = child(child(root, 'edXMLHeader'), 'MessageHeader');
  const from: Organ = {
    OrganId: textAt(header, 'From/OrganId'),
    OrganName: textAt(header, 'From/OrganName'),
  };
  const codeNumber = textAt(header, 'Code/CodeNumber');
  const codeNotation = textAt(header, 'Code/CodeNotation');
  const promulgationDate = textAt(header, 'PromulgationInfo/PromulgationDate');
  const documentId = textAt(header, 'DocumentId');
  const expectedId = `${from.OrganId},${promulgationDate.replaceAll('-', '/')},${codeNumber}/${codeNotation}`;
  if (documentId !== expectedId) {
    throw invalidEdxml(
      'edXMLHeader/MessageHeader/DocumentId',
      'không khớp với From/OrganId, PromulgationDate và Code',
    );
  }
  if (from.OrganId !== options.senderOrganId) {
    throw invalidEdxml(
      'edXMLHeader/MessageHeader/From/OrganId',
      'không phải mã đơn vị đã đăng ký cho consumer key',
    );
  }

  const traceList = child(child(root, 'edXMLHeader'), 'TraceHeaderList');
  const traces = children(traceList, 'TraceHeader');
  // §3.2: the sender writes exactly one TraceHeader, about itself.
  if (traces.length !== 1)
    throw invalidEdxml('edXMLHeader/TraceHeaderList/TraceHeader', 'bên gửi ghi đúng một TraceHeader');
  if (textAt(traces[0], 'OrganId') !== from.OrganId) {
    throw invalidEdxml(
      'edXMLHeader/TraceHeaderList/TraceHeader/OrganId',
      'phải là mã đơn vị gửi (From/OrganId)',
    );
  }
  const bussinessDocType = textAt(traceList, 'Bussiness/BussinessDocType');
  if (bussinessDocType === '0' && optionalText(traceList, 'Bussiness/BussinessDocReason') !== undefined) {
    throw invalidEdxml(
      'edXMLHeader/TraceHeaderList/Bussiness/BussinessDocReason',
      'phải để trống khi BussinessDocType là 0',
    );
  }

  return {
    xml: text,
    from,
    to: children(header, 'To').map((t) => ({
      OrganId: textAt(t, 'OrganId'),
      OrganName: textAt(t, 'OrganName'),
    })),
    codeNumber,
    codeNotation,
    promulgationDate,
    type: textAt(header, 'DocumentType/Type'),
    typeName: textAt(header, 'DocumentType/TypeName'),
    subject: textAt(header, 'Subject'),
    content: optionalText(header, 'Content'),
    dueDate: optionalText(header, 'DueDate'),
    documentId,
    bussinessDocType,
    attachments: matchAttachments(root),
  };
}

const FIELDS = ['ContentId', 'ContentType', 'Description', 'AttachmentName'] as const;

function matchAttachments(root: XmlNode): AttachmentInfo[] {
  const references = children(child(child(root, 'edXMLBody'), 'edXMLManifest'), 'Reference');
  const attachments = children(child(root, 'AttachmentEncoded'), 'Attachment');
  const refPath = 'edXMLBody/edXMLManifest/Reference';
  const attPath = 'AttachmentEncoded/Attachment';
  const byId = new Map<string, XmlNode>();
  for (const ref of references) {
    const id = textAt(ref, 'ContentId');
    if (byId.has(id)) throw invalidEdxml(`${refPath}/ContentId`, `${id} trùng lặp trong gói`);
    byId.set(id, ref);
  }
  const seen = new Set<string>();
  const result: AttachmentInfo[] = [];
  for (const att of attachments) {
    const id = textAt(att, 'ContentId');
    if (seen.has(id)) throw invalidEdxml(`${attPath}/ContentId`, `${id} trùng lặp trong gói`);
    seen.add(id);
    const ref = byId.get(id);
    if (!ref) throw invalidEdxml(`${attPath}/ContentId`, `${id} không có Reference tương ứng`);
    for (const field of FIELDS) {
      if ((optionalText(att, field) ?? '') !== (optionalText(ref, field) ?? '')) {
        throw invalidEdxml(`${attPath}/${field}`, `không khớp với Reference ${id}`);
      }
    }
    const bytes = decodeWrappedBase64(textAt(att, 'ContentTransferEncoded'));
    if (!bytes) throw invalidEdxml(`${attPath}/ContentTransferEncoded`, 'không phải base64 hợp lệ');
    result.push({
      ContentId: id,
      ContentType: textAt(att, 'ContentType'),
      Description: optionalText(att, 'Description'),
      AttachmentName: textAt(att, 'AttachmentName'),
      size: bytes.length,
      head: bytes.subarray(0, 8),
    });
  }
  for (const id of byId.keys()) {
    if (!seen.has(id)) throw invalidEdxml(`${refPath}/ContentId`, `${id} không có Attachment tương ứng`);
  }
  return result;
}
