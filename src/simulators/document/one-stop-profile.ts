import type { EdxmlDocument } from './edxml-document.js';
import { isCompactDateTime } from './local-time.js';
import { invalidEdxml } from './rejection.js';

/** (a) a dossier document sent for signature, (b) the apology letter with a new appointment date (§6). */
export type DocumentKind = 'dossier' | 'apology';

export interface OneStopProfile {
  kind: DocumentKind;
  maHoSo: string;
  /** `Content` read as `key=value` segments. */
  segments: Record<string, string>;
}

export const APOLOGY_SUBJECT = 'Phiếu xin lỗi và hẹn lại ngày trả kết quả hồ sơ';
const CONTENT_KEYS = ['MaHoSo', 'NgayHenTra', 'NgayHenTraDeXuat', 'LyDo'];
const DATE_KEYS = ['NgayHenTra', 'NgayHenTraDeXuat'];
const MA_HO_SO = /^[A-Za-z0-9.-]{1,50}$/;
const HEADER = 'edXMLHeader/MessageHeader';

/**
 * Reads `Content` (`key=value` segments separated by `;`, keys case-sensitive and at most once).
 * Throws `INVALID_EDXML` on a segment that is not `key=value`, a key outside the §6 list, a repeated
 * key or an empty value.
 */
export function parseContent(content: string): Record<string, string> {
  const segments: Record<string, string> = {};
  for (const segment of content.split(';')) {
    const eq = segment.indexOf('=');
    if (eq <= 0) throw invalidEdxml(`${HEADER}/Content`, `đoạn "${segment}" không có dạng key=value`);
    const key = segment.slice(0, eq);
    const value = segment.slice(eq + 1);
    if (!CONTENT_KEYS.includes(key))
      throw invalidEdxml(`${HEADER}/Content`, `khóa ${key} không được định nghĩa`);
    if (key in segments) throw invalidEdxml(`${HEADER}/Content`, `khóa ${key} xuất hiện nhiều lần`);
    if (value === '') throw invalidEdxml(`${HEADER}/Content`, `giá trị của ${key} trống`);
    segments[key] = value;
  }
  return segments;
}

/**
 * The one-stop profile of §6, checked in addition to §3. A document is the apology letter when its
 * `Subject` (compared after NFC normalisation, only to classify) starts with the letter's fixed
 * title or its `Content` proposes a new date (`NgayHenTraDeXuat`); every other document is a
 * dossier document.
 *
 * @remarks The text itself is compared byte for byte, as a receiving system does: an apology
 * letter whose `Subject` is the title in NFD is recognised, then refused because it is not the
 * required text.
 */
export function checkOneStopProfile(doc: EdxmlDocument): OneStopProfile {
  if (doc.content === undefined)
    throw invalidEdxml(`${HEADER}/Content`, 'bắt buộc với văn bản của hệ thống một cửa');
  const segments = parseContent(doc.content);
  const first = doc.content.slice(0, doc.content.indexOf('='));
  if (first !== 'MaHoSo') throw invalidEdxml(`${HEADER}/Content`, 'đoạn đầu tiên phải là MaHoSo={MaHoSo}');
  const maHoSo = segments.MaHoSo ?? '';
  if (!MA_HO_SO.test(maHoSo)) throw invalidEdxml(`${HEADER}/Content`, `MaHoSo ${maHoSo} sai định dạng`);
  for (const key of DATE_KEYS) {
    const value = segments[key];
    if (value !== undefined && !isCompactDateTime(value)) {
      throw invalidEdxml(`${HEADER}/Content`, `${key} sai định dạng (yyyyMMddHHmmss)`);
    }
  }
  if (doc.type !== '1')
    throw invalidEdxml(`${HEADER}/DocumentType/Type`, 'văn bản của hệ thống một cửa phải có Type 1');
  if (!doc.subject.includes(maHoSo)) throw invalidEdxml(`${HEADER}/Subject`, `phải chứa mã hồ sơ ${maHoSo}`);

  const apology = doc.subject.normalize('NFC').startsWith(APOLOGY_SUBJECT) || 'NgayHenTraDeXuat' in segments;
  if (!apology) return { kind: 'dossier', maHoSo, segments };

  if (doc.typeName !== 'Phiếu')
    throw invalidEdxml(`${HEADER}/DocumentType/TypeName`, 'phiếu xin lỗi phải có TypeName Phiếu');
  if (doc.subject !== `${APOLOGY_SUBJECT} ${maHoSo}`) {
    throw invalidEdxml(`${HEADER}/Subject`, `phải là "${APOLOGY_SUBJECT} ${maHoSo}"`);
  }
  for (const key of ['NgayHenTra', 'NgayHenTraDeXuat', 'LyDo']) {
    if (!(key in segments)) throw invalidEdxml(`${HEADER}/Content`, `phiếu xin lỗi thiếu ${key}`);
  }
  const ngayHenTra = segments.NgayHenTra ?? '';
  const currentDate = `${ngayHenTra.slice(0, 4)}-${ngayHenTra.slice(4, 6)}-${ngayHenTra.slice(6, 8)}`;
  if (doc.dueDate !== currentDate) {
    throw invalidEdxml(`${HEADER}/DueDate`, `phải là ngày hẹn trả hiện tại ${currentDate}`);
  }
  if (doc.attachments.length !== 1) {
    throw invalidEdxml('AttachmentEncoded/Attachment', 'phiếu xin lỗi phải có đúng một tệp PDF (Mẫu số 04)');
  }
  const [pdf] = doc.attachments;
  if (
    !pdf ||
    pdf.ContentType !== 'application/pdf' ||
    !/\.pdf$/i.test(pdf.AttachmentName) ||
    pdf.head.subarray(0, 5).toString('latin1') !== '%PDF-'
  ) {
    throw invalidEdxml('AttachmentEncoded/Attachment', 'tệp đính kèm của phiếu xin lỗi phải là PDF');
  }
  return { kind: 'apology', maHoSo, segments };
}
