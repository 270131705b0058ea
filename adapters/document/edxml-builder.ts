import { buildXml } from '../../src/xml/build-xml.js';

/** Namespace of every edXML element (QCVN 102:2016/BTTTT, §1). */
export const EDXML_NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
const PREFIX = 'edXML';

/** One file carried in the package (§3.3). */
export interface EdxmlAttachment {
  ContentId: string;
  ContentType: string;
  Description?: string;
  AttachmentName: string;
  bytes: Buffer;
}

export interface EdxmlPackage {
  /** `MessageHeader` children, unprefixed, in the order of §3.1 (object key order is kept). */
  messageHeader: Record<string, unknown>;
  trace: { OrganId: string; Timestamp: string };
  attachments: EdxmlAttachment[];
}

/**
 * Prefixes element names with `edXML:` and normalises every text to NFC (README §2: a sender
 * holding decomposed text normalises it before sending). Nested lists are flattened, so a mapping
 * can write a repeated element as "the items of a list, then a fixed one".
 */
function prefixed(value: unknown): unknown {
  if (Array.isArray(value)) return value.flat(Infinity).map(prefixed);
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [`${PREFIX}:${k}`, prefixed(v)]));
  }
  return String(value).normalize('NFC');
}

function attachmentHead(a: EdxmlAttachment): Record<string, string> {
  const head: Record<string, string> = { ContentId: a.ContentId, ContentType: a.ContentType };
  if (a.Description) head.Description = a.Description;
  head.AttachmentName = a.AttachmentName;
  return head;
}

/**
 * Writes the document package of §3 with the shared writer of src/xml: root `edXMLEnvelope` with
 * `edXMLHeader`, `edXMLBody`, `AttachmentEncoded` in that order; UTF-8 declaration; two-space
 * indentation and empty elements written open and closed, as in the spec's example; attachments
 * base64 without line breaks. The manifest lists exactly one `Reference` per `Attachment`, same fields.
 */
export function buildDocumentXml(pkg: EdxmlPackage): string {
  const references = pkg.attachments.map(attachmentHead);
  const attachments = pkg.attachments.map((a) => ({
    ...attachmentHead(a),
    ContentTransferEncoded: a.bytes.toString('base64'),
  }));
  const envelope = {
    edXMLHeader: {
      MessageHeader: pkg.messageHeader,
      TraceHeaderList: {
        TraceHeader: { OrganId: pkg.trace.OrganId, Timestamp: pkg.trace.Timestamp },
        // §3.2: a new document (0), no reason, electronic only.
        Bussiness: { BussinessDocType: '0', BussinessDocReason: '', Paper: '0' },
      },
    },
    edXMLBody: { edXMLManifest: references.length > 0 ? { Reference: references } : '' },
    AttachmentEncoded: attachments.length > 0 ? { Attachment: attachments } : '',
  };
  return buildXml({
    [`${PREFIX}:edXMLEnvelope`]: { $: { [`xmlns:${PREFIX}`]: EDXML_NS }, ...(prefixed(envelope) as object) },
  });
}
