import { parsePortalDateTime } from '../../src/domain/time.js';
import { MAX_XML_BYTES } from '../../src/xml/safe-xml.js';
import { childElement, parseXmlTree, type XmlElement } from '../../src/xml/xml-tree.js';
import { EDXML_NS } from './edxml-builder.js';
import { timestampToPortal } from './edxml-time.js';

/** A status message (§5.2) as read from an inbox item. */
export interface StatusMessage {
  ResponseFor: { OrganId: string; Code: string; PromulgationDate: string; DocumentId: string };
  From: { OrganId: string; OrganName: string };
  StatusCode: string;
  Description: string;
  /** As received, `yyyy/MM/dd HH:mm:ss` local. */
  Timestamp: string;
  /** `Timestamp` as portal `yyyyMMddHHmmss` (local). */
  occurredAt: string;
  StaffInfo: { Department: string; Staff: string; Email: string; Mobile: string };
  /** The `NgayHenTraMoi=` segment of `Description` (§5.3), when present. */
  NgayHenTraMoi?: string;
}

/** Why an inbox item cannot be read; the message names the element concerned. */
export class StatusParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatusParseError';
  }
}

const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function child(node: XmlElement | undefined, name: string): XmlElement | undefined {
  return childElement(node, EDXML_NS, name);
}

function text(node: XmlElement | undefined, path: string): string {
  let at = node;
  for (const name of path.split('/')) at = child(at, name);
  return at?.text ?? '';
}

function required(node: XmlElement | undefined, path: string): string {
  const value = text(node, path);
  if (value.trim() === '') throw new StatusParseError(`Status/${path} is missing or empty`);
  return value;
}

/**
 * Reads `Description` as `key=value` segments separated by `;` (§5.2) and returns the one
 * `NgayHenTraMoi`; free text segments without `=` are ignored. Two such segments are ambiguous.
 */
function ngayHenTraMoi(description: string): string | undefined {
  const values = description
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('NgayHenTraMoi='))
    .map((s) => s.slice('NgayHenTraMoi='.length));
  if (values.length > 1)
    throw new StatusParseError('Status/Description carries NgayHenTraMoi more than once');
  const value = values[0];
  if (value === undefined) return undefined;
  if (parsePortalDateTime(value) === null) {
    throw new StatusParseError(
      `Status/Description: NgayHenTraMoi ${value} is not a yyyyMMddHHmmss date-time`,
    );
  }
  return value;
}

/**
 * Decodes and reads one inbox item's `noiDung` (§5.1: strict base64 of a status edXML, §5.2).
 * Elements are matched by namespace, not prefix. Throws StatusParseError naming what is wrong.
 */
export function readStatus(noiDung: unknown): StatusMessage {
  if (typeof noiDung !== 'string' || noiDung === '') throw new StatusParseError('noiDung is missing');
  if (noiDung.length % 4 !== 0 || !STRICT_BASE64.test(noiDung))
    throw new StatusParseError('noiDung is not base64');
  if ((noiDung.length / 4) * 3 > MAX_XML_BYTES + 2) throw new StatusParseError('noiDung is too large');
  let root: XmlElement;
  try {
    // Lenient on a byte order mark (the decoder drops it); whitespace between elements reads as ''.
    root = parseXmlTree(Buffer.from(noiDung, 'base64'), { bom: 'drop', blankText: 'empty' });
  } catch (err) {
    throw new StatusParseError(`noiDung: ${(err as Error).message}`);
  }
  if (root.uri !== EDXML_NS || root.local !== 'edXMLEnvelope') {
    throw new StatusParseError(`root element must be edXMLEnvelope in ${EDXML_NS}`);
  }
  const status = child(child(root, 'edXMLHeader'), 'Status');
  if (!status) throw new StatusParseError('edXMLHeader/Status is missing');

  const StatusCode = required(status, 'StatusCode');
  if (!/^\d{2}$/.test(StatusCode))
    throw new StatusParseError(`Status/StatusCode ${StatusCode} is not 2 digits`);
  const Timestamp = required(status, 'Timestamp');
  const occurredAt = timestampToPortal(Timestamp);
  if (occurredAt === null)
    throw new StatusParseError(`Status/Timestamp ${Timestamp} is not yyyy/MM/dd HH:mm:ss`);
  const PromulgationDate = required(status, 'ResponseFor/PromulgationDate');
  if (!ISO_DATE.test(PromulgationDate))
    throw new StatusParseError('Status/ResponseFor/PromulgationDate is not yyyy-MM-dd');
  const Description = text(status, 'Description');
  const message: StatusMessage = {
    ResponseFor: {
      OrganId: required(status, 'ResponseFor/OrganId'),
      Code: required(status, 'ResponseFor/Code'),
      PromulgationDate,
      DocumentId: required(status, 'ResponseFor/DocumentId'),
    },
    From: { OrganId: required(status, 'From/OrganId'), OrganName: required(status, 'From/OrganName') },
    StatusCode,
    Description,
    Timestamp,
    occurredAt,
    StaffInfo: {
      Department: text(status, 'StaffInfo/Department'),
      Staff: text(status, 'StaffInfo/Staff'),
      Email: text(status, 'StaffInfo/Email'),
      Mobile: text(status, 'StaffInfo/Mobile'),
    },
  };
  const moi = ngayHenTraMoi(Description);
  if (moi !== undefined) message.NgayHenTraMoi = moi;
  return message;
}
