import { buildXml } from '../../xml/build-xml.js';
import { EDXML_NS, STATUS_RULE } from './edxml-schema.js';
import { checkStructure, child, optionalText, textAt } from './edxml-structure.js';
import { readXml } from './xml-reader.js';

/** The fields of a §5.2 status message. */
export interface StatusMessage {
  ResponseFor: { OrganId: string; Code: string; PromulgationDate: string; DocumentId: string };
  From: { OrganId: string; OrganName: string };
  StatusCode: string;
  Description?: string;
  Timestamp: string;
  StaffInfo?: { Department?: string; Staff?: string; Email?: string; Mobile?: string };
}

const q = (name: string): string => `edXML:${name}`;

/**
 * Builds the status edXML exactly as the recipients' systems write it (examples `status-03.xml`,
 * `status-06.xml`: prefix `edXML`, two-space indentation, empty optional elements written open and
 * closed, a final newline).
 */
export function buildStatusXml(status: StatusMessage): string {
  const body: Record<string, unknown> = {
    [q('ResponseFor')]: {
      [q('OrganId')]: status.ResponseFor.OrganId,
      [q('Code')]: status.ResponseFor.Code,
      [q('PromulgationDate')]: status.ResponseFor.PromulgationDate,
      [q('DocumentId')]: status.ResponseFor.DocumentId,
    },
    [q('From')]: { [q('OrganId')]: status.From.OrganId, [q('OrganName')]: status.From.OrganName },
    [q('StatusCode')]: status.StatusCode,
  };
  if (status.Description !== undefined) body[q('Description')] = status.Description;
  body[q('Timestamp')] = status.Timestamp;
  if (status.StaffInfo) {
    body[q('StaffInfo')] = {
      [q('Department')]: status.StaffInfo.Department ?? '',
      [q('Staff')]: status.StaffInfo.Staff ?? '',
      [q('Email')]: status.StaffInfo.Email ?? '',
      [q('Mobile')]: status.StaffInfo.Mobile ?? '',
    };
  }
  return buildXml({
    [q('edXMLEnvelope')]: { $: { 'xmlns:edXML': EDXML_NS }, [q('edXMLHeader')]: { [q('Status')]: body } },
  });
}

/** Reads a status edXML back (checked against §5.2); throws on anything malformed. */
export function readStatusXml(xml: string): StatusMessage {
  const { root } = readXml(Buffer.from(xml, 'utf8'));
  checkStructure(root, STATUS_RULE);
  const status = child(child(root, 'edXMLHeader'), 'Status');
  const staff = child(status, 'StaffInfo');
  return {
    ResponseFor: {
      OrganId: textAt(status, 'ResponseFor/OrganId'),
      Code: textAt(status, 'ResponseFor/Code'),
      PromulgationDate: textAt(status, 'ResponseFor/PromulgationDate'),
      DocumentId: textAt(status, 'ResponseFor/DocumentId'),
    },
    From: { OrganId: textAt(status, 'From/OrganId'), OrganName: textAt(status, 'From/OrganName') },
    StatusCode: textAt(status, 'StatusCode'),
    Description: optionalText(status, 'Description'),
    Timestamp: textAt(status, 'Timestamp'),
    StaffInfo: staff
      ? {
          Department: optionalText(staff, 'Department'),
          Staff: optionalText(staff, 'Staff'),
          Email: optionalText(staff, 'Email'),
          Mobile: optionalText(staff, 'Mobile'),
        }
      : undefined,
  };
}
