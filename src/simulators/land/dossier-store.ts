import { LandStatus, type LandStatusCode } from './land-status.js';
import type { TiepNhanRequest } from './request-validation.js';
import { floorToSecond, formatUtc } from './utc-time.js';

/** What changed a land dossier's status. */
export type StatusCause =
  | 'tiepnhan'
  | 'ChuyenHoSo'
  | 'YeuCauBoSungHoSo'
  | 'NhanBoSungHoSo'
  | 'GuiKetQuaThue'
  | 'KetThucHoSo'
  | 'capnhattrangthaitraketquahoso';

export interface StatusChange {
  TrangThai: LandStatusCode;
  /** UTC without offset; equals the `ThoiDiem` of the callback that reported it. */
  NgayCapNhat: string;
  cause: StatusCause;
  EventId?: string;
}

export interface AttachmentDownload {
  TenTep: string;
  DuongDan: string;
  state: 'pending' | 'ok' | 'failed';
  httpStatus?: number;
  bytes?: number;
  error?: string;
}

/** One land dossier, as the land system holds it. */
export interface LandDossier {
  hoSoId: number;
  MaHoSoMotCua: string;
  TrangThai: LandStatusCode;
  NgayCapNhat: string;
  /** Server time of the intake, UTC without offset. */
  receivedAt: string;
  /** The intake body, parsed, every value exactly as received. */
  request: TiepNhanRequest;
  /** The intake body text exactly as received (UTF-8 decoded, nothing normalised). */
  rawBody: string;
  /** Paths of string values of the intake that were not NFC (README §2 asks senders for NFC). */
  nonNfcFields: string[];
  history: StatusChange[];
  /** Supplements recorded through `capnhattrangthaibosunghoso` (or by the land office itself). */
  supplements: { NgayBoSung: string; NoiDung: string; receivedAt: string }[];
  /** Set by `capnhattrangthaitraketquahoso`. */
  resultHandedOver?: { NgayTraKetQua: string; receivedAt: string };
  /** Background downloads of `TepDinhKem` (only with `downloadAttachments`). */
  attachments: AttachmentDownload[];
  /** EventIds of the callbacks emitted for this dossier, in the order they happened. */
  eventIds: string[];
}

/**
 * The land system's dossiers. Intake never looks at `MaHoSoMotCua` (land.md §3.3): every call
 * creates a dossier with the next `hoSoId`.
 */
export class DossierStore {
  private readonly byId = new Map<number, LandDossier>();
  /** Per dossier: epoch ms of the last status change, so event times are ≥ 1 s apart (§7.2). */
  private readonly lastTime = new Map<number, number>();
  private nextId: number;

  constructor(
    firstId: number,
    private readonly now: () => number,
  ) {
    this.nextId = firstId;
  }

  create(request: TiepNhanRequest, rawBody: string, nonNfcFields: string[]): LandDossier {
    const hoSoId = this.nextId++;
    const at = floorToSecond(this.now());
    this.lastTime.set(hoSoId, at);
    const time = formatUtc(at);
    const dossier: LandDossier = {
      hoSoId,
      MaHoSoMotCua: request.MaHoSoMotCua,
      TrangThai: LandStatus.MoiTiepNhan,
      NgayCapNhat: time,
      receivedAt: time,
      request,
      rawBody,
      nonNfcFields,
      history: [{ TrangThai: LandStatus.MoiTiepNhan, NgayCapNhat: time, cause: 'tiepnhan' }],
      supplements: [],
      attachments: [],
      eventIds: [],
    };
    this.byId.set(hoSoId, dossier);
    return dossier;
  }

  /** Drops one dossier (a control action; its hoSoId is never handed out again). */
  remove(hoSoId: number): void {
    this.byId.delete(hoSoId);
    this.lastTime.delete(hoSoId);
  }

  get(hoSoId: number): LandDossier | undefined {
    return this.byId.get(hoSoId);
  }

  /** Every land dossier of a one-stop code (exact, case-sensitive match), by `hoSoId` ascending. */
  byMaHoSo(maHoSo: string): LandDossier[] {
    return this.all().filter((d) => d.MaHoSoMotCua === maHoSo);
  }

  all(): LandDossier[] {
    return [...this.byId.values()].sort((a, b) => a.hoSoId - b.hoSoId);
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * The time of the dossier's next event: now, but at least one second after its previous one,
   * so `ThoiDiem` values of a dossier are distinct and increasing (land.md §7.2).
   */
  tick(d: LandDossier): string {
    const at = Math.max(floorToSecond(this.now()), (this.lastTime.get(d.hoSoId) ?? 0) + 1000);
    this.lastTime.set(d.hoSoId, at);
    return formatUtc(at);
  }

  setStatus(d: LandDossier, status: LandStatusCode, at: string, cause: StatusCause, EventId?: string): void {
    d.TrangThai = status;
    d.NgayCapNhat = at;
    d.history.push(
      EventId
        ? { TrangThai: status, NgayCapNhat: at, cause, EventId }
        : { TrangThai: status, NgayCapNhat: at, cause },
    );
  }

  clear(): void {
    this.byId.clear();
    this.lastTime.clear();
    // hoSoIds are never reused, even across a reset: a gateway may still hold earlier ones.
  }
}
