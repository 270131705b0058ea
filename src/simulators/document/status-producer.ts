import type { StoredDocument } from './document-store.js';
import type { Organ } from './edxml-document.js';
import type { LgspAxis } from './lgsp-axis.js';
import { formatTimestamp, parseTimestamp } from './local-time.js';
import type { InboxItem } from './status-inbox.js';
import { buildStatusXml } from './status-edxml.js';
import type { StatusMessage } from './status-edxml.js';

/** One status a recipient reports about a document (§5.2). */
export interface StatusSpec {
  /** Two digits (§5.3); codes outside the table are allowed (future versions). */
  StatusCode: string;
  /** Default: a wording per code (§5.3). */
  Description?: string;
  /**
   * Appended to `Description` as `;NgayHenTraMoi=…` unless it already has that segment. For an
   * apology letter's `06` it defaults to the letter's `NgayHenTraDeXuat` (the signer keeps the
   * proposed date); `null` leaves it out (a faulty recipient).
   */
  NgayHenTraMoi?: string | null;
  /** `yyyy/MM/dd HH:mm:ss`; default: now, kept strictly increasing per document. */
  Timestamp?: string;
  /** Reporting organisation; default: the document's first `To`. */
  From?: Organ;
  StaffInfo?: StatusMessage['StaffInfo'];
}

/** What `injectMalformedStatus` puts in the inbox. */
export type MalformedKind = 'truncated-xml' | 'not-base64' | 'not-status';

/** Raised by a control action asked for something impossible (unknown document, bad code). */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly httpStatus: 400 | 404 = 400,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

const DEFAULT_DESCRIPTION: Record<string, string> = {
  '01': 'Văn bản đã đến',
  '02': 'Từ chối tiếp nhận văn bản',
  '03': 'Đã tiếp nhận văn bản',
  '04': 'Đã phân công xử lý',
  '05': 'Đang xử lý',
  '06': 'Đã ký ban hành',
  '13': 'Đề nghị lấy lại văn bản',
  '15': 'Đồng ý lấy lại/cập nhật',
  '16': 'Từ chối lấy lại/cập nhật',
};

/**
 * Plays the recipients' document systems: builds status edXML about a sent document and places it
 * in the sender's inbox, with the repeat and reorder faults of §5.1.
 */
export class StatusProducer {
  private readonly lastTimestamp = new Map<string, number>();

  constructor(private readonly axis: LgspAxis) {}

  /** Statuses that happened in this order; returns the inbox items created (repeats included). */
  put(target: string, specs: StatusSpec[]): InboxItem[] {
    const doc = this.document(target);
    const messages = specs.map((spec) => this.compose(doc, spec));
    const arrival = this.axis.protocol.reorderStatuses ? [...messages].reverse() : messages;
    const items: InboxItem[] = [];
    for (const message of arrival) {
      const noiDung = Buffer.from(buildStatusXml(message), 'utf8').toString('base64');
      const fields = {
        docId: doc.docId,
        consumerKey: doc.consumerKey,
        noiDung,
        StatusCode: message.StatusCode,
        Timestamp: message.Timestamp,
        malformed: false,
        arrivedAt: this.axis.nowMs(),
      };
      const item = this.axis.inbox.add(fields);
      items.push(item);
      if (this.repeatNow()) items.push(this.axis.inbox.add({ ...fields, repeatOf: item.id }));
    }
    this.axis.counters.statusesQueued += items.length;
    return items;
  }

  /** An item the client cannot read; it must acknowledge it `FAIL`. Defaults to the latest document. */
  malformed(target?: string, kind: MalformedKind = 'truncated-xml'): InboxItem {
    const doc = target === undefined ? this.axis.documents.latest() : this.document(target);
    if (!doc) throw new ControlError('no document has been sent yet', 404);
    const noiDung =
      kind === 'not-base64'
        ? '#không-phải-base64#'
        : Buffer.from(this.unreadable(doc, kind)).toString('base64');
    const item = this.axis.inbox.add({
      docId: doc.docId,
      consumerKey: doc.consumerKey,
      noiDung,
      malformed: true,
      arrivedAt: this.axis.nowMs(),
    });
    this.axis.counters.statusesQueued += 1;
    return item;
  }

  reset(): void {
    this.lastTimestamp.clear();
  }

  private unreadable(doc: StoredDocument, kind: MalformedKind): string {
    if (kind === 'not-status')
      return '<?xml version="1.0" encoding="UTF-8"?>\n<ketQua>không phải edXML</ketQua>\n';
    if (kind !== 'truncated-xml') throw new ControlError(`unknown malformed kind ${String(kind)}`);
    const now = formatTimestamp(new Date(this.axis.nowMs()));
    const full = buildStatusXml(this.compose(doc, { StatusCode: '03', Timestamp: now }));
    return full.slice(0, Math.floor(full.length / 2));
  }

  private document(target: string): StoredDocument {
    const doc = this.axis.documents.find(target);
    if (!doc) throw new ControlError(`unknown document, DocumentId or MaHoSo: ${target}`, 404);
    return doc;
  }

  private compose(doc: StoredDocument, spec: StatusSpec): StatusMessage {
    if (!/^\d{2}$/.test(spec.StatusCode))
      throw new ControlError(`StatusCode must be 2 digits: ${spec.StatusCode}`);
    const from = spec.From ?? doc.to[0];
    if (!from) throw new ControlError(`document ${doc.docId} has no recipient`);
    let description = spec.Description ?? DEFAULT_DESCRIPTION[spec.StatusCode] ?? 'Cập nhật trạng thái';
    const newDate =
      spec.NgayHenTraMoi === undefined && doc.kind === 'apology' && spec.StatusCode === '06'
        ? doc.contentSegments.NgayHenTraDeXuat
        : (spec.NgayHenTraMoi ?? undefined);
    if (newDate !== undefined && !/(^|;)NgayHenTraMoi=/.test(description))
      description += `;NgayHenTraMoi=${newDate}`;
    return {
      ResponseFor: {
        OrganId: doc.from.OrganId,
        Code: doc.code,
        PromulgationDate: doc.promulgationDate,
        DocumentId: doc.DocumentId,
      },
      From: from,
      StatusCode: spec.StatusCode,
      Description: description,
      Timestamp: this.timestamp(doc.docId, spec.Timestamp),
      StaffInfo: spec.StaffInfo,
    };
  }

  /**
   * The statuses of one document get strictly increasing timestamps (one second apart at least)
   * so that "order by Timestamp" (§5.1) always has one answer, even for statuses made within
   * the same second.
   */
  private timestamp(docId: string, explicit: string | undefined): string {
    const last = this.lastTimestamp.get(docId) ?? Number.NEGATIVE_INFINITY;
    if (explicit !== undefined) {
      const at = parseTimestamp(explicit)?.getTime();
      if (at !== undefined) this.lastTimestamp.set(docId, Math.max(last, at));
      return explicit;
    }
    let at = Math.floor(this.axis.nowMs() / 1000) * 1000;
    if (at <= last) at = last + 1000;
    this.lastTimestamp.set(docId, at);
    return formatTimestamp(new Date(at));
  }

  private repeatNow(): boolean {
    const p = this.axis.protocol;
    if (p.duplicateStatusNext > 0) {
      p.duplicateStatusNext -= 1;
      return true;
    }
    return p.duplicateStatusRate > 0 && this.axis.random() < p.duplicateStatusRate;
  }
}
