import { isIsoDate } from './local-time.js';

/** Namespace of every edXML element (QCVN 102:2016/BTTTT). */
export const EDXML_NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';

/**
 * One element of the edXML structure of §3 (documents) and §5.2 (statuses): its place in the
 * sequence of its parent, whether it is required, whether it repeats, and — for a leaf — the
 * format its text must have. A format check returns the reason when the text is wrong.
 */
export interface ElementRule {
  name: string;
  required: boolean;
  repeats?: boolean;
  children?: ElementRule[];
  format?: (text: string) => string | undefined;
}

const length = (min: number, max: number) => (t: string) => {
  const n = [...t].length;
  return n < min || n > max ? `độ dài phải từ ${min} đến ${max} ký tự` : undefined;
};
const pattern = (re: RegExp, what: string) => (t: string) =>
  re.test(t) ? undefined : `sai định dạng (${what})`;
const oneOf = (values: string[]) => (t: string) =>
  values.includes(t) ? undefined : `giá trị phải là một trong ${values.join(', ')}`;
const isoDate = (t: string) => (isIsoDate(t) ? undefined : 'sai định dạng (yyyy-MM-dd)');
const timestamp = pattern(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/, 'yyyy/MM/dd HH:mm:ss');
const positiveInteger = pattern(/^[1-9]\d*$/, 'số nguyên ≥ 1');

const leaf = (
  name: string,
  required: boolean,
  format?: ElementRule['format'],
  repeats = false,
): ElementRule => ({
  name,
  required,
  repeats,
  format,
});
const group = (name: string, required: boolean, children: ElementRule[], repeats = false): ElementRule => ({
  name,
  required,
  repeats,
  children,
});

const contentId = pattern(/^[A-Za-z0-9._:-]{1,100}$/, '1..100 ký tự [A-Za-z0-9._:-]');
const mimeType = pattern(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/, 'kiểu MIME');
const fileName = pattern(/^[^/\\:*?"<>|]+\.[A-Za-z0-9]+$/, 'tên tệp có phần mở rộng');

const attachmentFields = (withContent: boolean): ElementRule[] => [
  leaf('ContentId', true, contentId),
  leaf('ContentType', true, mimeType),
  leaf('Description', false, length(0, 500)),
  leaf('AttachmentName', true, fileName),
  ...(withContent ? [leaf('ContentTransferEncoded', true)] : []),
];

/** §3: the document package. `DocumentId` is checked against its parts by the validator. */
export const DOCUMENT_RULE: ElementRule = group('edXMLEnvelope', true, [
  group('edXMLHeader', true, [
    group('MessageHeader', true, [
      group('From', true, [
        leaf('OrganId', true),
        leaf('OrganName', true, length(1, 255)),
        leaf('OrganAdd', false, length(0, 500)),
        leaf('Email', false, pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'địa chỉ e-mail')),
        leaf('Telephone', false, pattern(/^\d+$/, 'chữ số')),
      ]),
      group('To', true, [leaf('OrganId', true), leaf('OrganName', true, length(1, 255))], true),
      group('Code', true, [
        leaf('CodeNumber', true, pattern(/^[\p{L}\p{N}]{1,11}$/u, '1..11 chữ cái hoặc chữ số')),
        leaf(
          'CodeNotation',
          true,
          (t) => length(1, 100)(t) ?? (/[/,]/.test(t) ? 'không được chứa / hoặc ,' : undefined),
        ),
      ]),
      group('PromulgationInfo', true, [
        leaf('Place', true, length(1, 100)),
        leaf('PromulgationDate', true, isoDate),
      ]),
      group('DocumentType', true, [
        leaf('Type', true, oneOf(['1', '2'])),
        leaf('TypeName', true, length(1, 100)),
      ]),
      leaf('Subject', true, length(1, 1000)),
      leaf('Content', false, length(0, 4000)),
      group('SignerInfo', true, [leaf('Competence', false), leaf('Position', true), leaf('FullName', false)]),
      leaf('DueDate', false, isoDate),
      group('ToPlaces', false, [leaf('Place', false, length(1, 255), true)]),
      group('OtherInfo', true, [
        leaf('Priority', true, oneOf(['0', '1', '2', '3', '4'])),
        leaf('SphereOfPromulgation', false),
        leaf('TyperNotation', false),
        leaf('PromulgationAmount', false, positiveInteger),
        leaf('PageAmount', false, positiveInteger),
      ]),
      leaf('SteeringType', true, oneOf(['0', '1', '2'])),
      leaf('DocumentId', true),
    ]),
    group('TraceHeaderList', true, [
      group('TraceHeader', true, [leaf('OrganId', true), leaf('Timestamp', true, timestamp)], true),
      group('Bussiness', true, [
        leaf('BussinessDocType', true, oneOf(['0', '1', '2', '3'])),
        leaf('BussinessDocReason', false),
        leaf('Paper', true, oneOf(['0', '1'])),
      ]),
    ]),
  ]),
  group('edXMLBody', true, [
    group('edXMLManifest', true, [group('Reference', false, attachmentFields(false), true)]),
  ]),
  group('AttachmentEncoded', true, [group('Attachment', false, attachmentFields(true), true)]),
]);

/** §5.2: a status message, used to read back what the simulator builds. */
export const STATUS_RULE: ElementRule = group('edXMLEnvelope', true, [
  group('edXMLHeader', true, [
    group('Status', true, [
      group('ResponseFor', true, [
        leaf('OrganId', true),
        leaf('Code', true),
        leaf('PromulgationDate', true, isoDate),
        leaf('DocumentId', true),
      ]),
      group('From', true, [leaf('OrganId', true), leaf('OrganName', true)]),
      leaf('StatusCode', true, pattern(/^\d{2}$/, '2 chữ số')),
      leaf('Description', false),
      leaf('Timestamp', true, timestamp),
      group('StaffInfo', false, [
        leaf('Department', false),
        leaf('Staff', false),
        leaf('Email', false),
        leaf('Mobile', false),
      ]),
    ]),
  ]),
]);
