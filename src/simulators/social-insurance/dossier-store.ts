import { randomUUID } from 'node:crypto';
import { ControlError } from './control-error.js';
import { FINAL_STATUSES, isTrangThai } from './protocol.js';
import type { TrangThai } from './protocol.js';
import type { NopHoSoRequest } from './payload-schema.js';
import { formatLocalDateTime, parseXsDateTime, yymmdd } from './xsd-values.js';

/** One status change of a BHXH dossier; the content of one `CapNhatTrangThaiHoSo` callback (§4.1). */
export interface StatusEvent {
  maHoSo: string;
  soBienNhanBHXH: string;
  trangThai: TrangThai;
  /** `yyyy-MM-ddTHH:mm:ss+07:00`, distinct and increasing per dossier. */
  thoiDiem: string;
  ghiChu?: string;
  /** Unique per event (UUID). */
  maSuKien: string;
}

/** A BHXH dossier as the simulator holds it. `request` keeps every field exactly as received. */
export interface DossierRecord {
  maHoSo: string;
  soBienNhanBHXH: string;
  request: NopHoSoRequest;
  /** WS-Security username of the client that submitted it. */
  submittedBy: string;
  receivedAt: string;
  trangThai: TrangThai;
  /** `NgayCapNhat` shown by `TraCuuHoSo`: time of the last status change. */
  ngayCapNhat: string;
  ghiChu?: string;
  history: StatusEvent[];
}

export interface StatusChange {
  ghiChu?: string;
  /** Time of the change (xs:dateTime with offset, or a Date); default: the simulator clock. */
  thoiDiem?: string | Date;
  /** Allow leaving a final status (4, 5), which BHXH never does. */
  force?: boolean;
}

/**
 * The dossiers held by BHXH, keyed by `MaHoSo` (case-sensitive). `NopHoSo` is idempotent on
 * `MaHoSo`, so there is never more than one record per code; `entries()` lets a test prove it.
 */
export class DossierStore {
  private readonly records = new Map<string, DossierRecord>();
  private readonly lastChangeMs = new Map<string, number>();
  private nextSeq: number;

  constructor(
    private readonly receiptPrefix: string,
    private readonly receiptSeqStart: number,
  ) {
    this.nextSeq = receiptSeqStart;
  }

  get(maHoSo: string): DossierRecord | undefined {
    return this.records.get(maHoSo);
  }

  /** How many BHXH dossiers exist for this one-stop code (0 or 1). */
  entries(maHoSo: string): number {
    return this.records.has(maHoSo) ? 1 : 0;
  }

  all(): DossierRecord[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }

  clear(): void {
    this.records.clear();
    this.lastChangeMs.clear();
    this.nextSeq = this.receiptSeqStart;
  }

  /** Creates the dossier in status 1 (tiếp nhận) and returns the first event (§4.3). */
  create(
    request: NopHoSoRequest,
    submittedBy: string,
    nowMs: number,
  ): { record: DossierRecord; event: StatusEvent } {
    if (this.records.has(request.MaHoSo)) throw new ControlError(409, `dossier ${request.MaHoSo} exists`);
    const seq = String(this.nextSeq).padStart(6, '0');
    this.nextSeq += 1;
    const ms = Math.floor(nowMs / 1000) * 1000;
    const record: DossierRecord = {
      maHoSo: request.MaHoSo,
      soBienNhanBHXH: `${this.receiptPrefix}-${yymmdd(ms)}-${seq}`,
      request: { ...request },
      submittedBy,
      receivedAt: formatLocalDateTime(ms),
      trangThai: 1,
      ngayCapNhat: formatLocalDateTime(ms),
      history: [],
    };
    this.records.set(record.maHoSo, record);
    const event = this.append(record, 1, ms, undefined);
    return { record, event };
  }

  /** Applies a status change and returns its event; refuses unknown dossiers and leaving 4/5. */
  changeStatus(maHoSo: string, trangThai: number, change: StatusChange, nowMs: number): StatusEvent {
    const record = this.records.get(maHoSo);
    if (!record) throw new ControlError(404, `no BHXH dossier for MaHoSo ${maHoSo}`);
    if (!isTrangThai(trangThai)) throw new ControlError(400, 'trangThai must be an integer 1..5');
    if (
      change.ghiChu !== undefined &&
      (typeof change.ghiChu !== 'string' || [...change.ghiChu].length > 2000)
    )
      throw new ControlError(400, 'ghiChu: string of at most 2000 characters');
    if (FINAL_STATUSES.includes(record.trangThai) && !change.force)
      throw new ControlError(409, `dossier ${maHoSo} is in final status ${record.trangThai}`);
    const last = this.lastChangeMs.get(maHoSo) ?? 0;
    let ms: number;
    if (change.thoiDiem !== undefined) {
      if (change.thoiDiem instanceof Date) ms = change.thoiDiem.getTime();
      else {
        const parsed = parseXsDateTime(change.thoiDiem);
        if (!parsed.ok) throw new ControlError(400, 'thoiDiem: xs:dateTime with offset');
        ms = parsed.epochMs;
      }
      if (!Number.isFinite(ms)) throw new ControlError(400, 'thoiDiem: invalid');
      ms = Math.floor(ms / 1000) * 1000;
      if (ms <= last) throw new ControlError(409, 'thoiDiem must be later than the previous status change');
    } else {
      // Events of one dossier have distinct, increasing ThoiDiem (§4.3); BHXH sends whole seconds.
      ms = Math.max(Math.floor(nowMs / 1000) * 1000, last + 1000);
    }
    return this.append(record, trangThai, ms, change.ghiChu);
  }

  private append(
    record: DossierRecord,
    trangThai: TrangThai,
    ms: number,
    ghiChu: string | undefined,
  ): StatusEvent {
    const event: StatusEvent = {
      maHoSo: record.maHoSo,
      soBienNhanBHXH: record.soBienNhanBHXH,
      trangThai,
      thoiDiem: formatLocalDateTime(ms),
      ...(ghiChu !== undefined ? { ghiChu } : {}),
      maSuKien: randomUUID(),
    };
    record.trangThai = trangThai;
    record.ngayCapNhat = event.thoiDiem;
    if (ghiChu !== undefined) record.ghiChu = ghiChu;
    else delete record.ghiChu;
    record.history.push(event);
    this.lastChangeMs.set(record.maHoSo, ms);
    return event;
  }
}
