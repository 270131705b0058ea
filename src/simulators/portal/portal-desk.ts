import { checkConsistency, isValidPortalDateTime, TERMINAL_STATUSES } from '../../domain/dossier-rules.js';
import type { DossierEntry, DossierStore } from './dossier-store.js';
import type { FeedPusher } from './feed-pusher.js';
import { isPlainObject, normalizeRecord } from './record-shape.js';
import type { RecordValidator } from './record-validator.js';
import type { DossierRecord, FeedDelivery, StatusSource } from './types.js';

export interface SeedOptions {
  /** Unit owning the dossier (default: the simulator's `madonvi`). */
  madonvi?: string;
  /** Point `DuongDanTaiTepTin` URLs of the form `http(s)://host/files/…` at this simulator. */
  rewriteFileUrls?: boolean;
}

export interface SupplementHandIn {
  /** Entry concerned; default: the last entry not yet handed in. */
  MaHoSoBoSung?: string;
  NgayTiepNhanBoSung: string;
  NoiDungBoSung: string;
}

/** A queued feed version: its id at once, and its final outcome later. */
export interface QueuedPush {
  id: number;
  done: Promise<FeedDelivery>;
}

/**
 * The portal's own side (portal.md §4.2): dossiers received at the desk, the staff actions that
 * change them, and the feed pushes that follow each change. Every record the portal writes here
 * satisfies the schema and R1–R9 (§3.5: "the portal's own records always satisfy them"); an action
 * that would break them, or leave a terminal status (§5.7), throws.
 */
export class PortalDesk {
  constructor(
    private readonly store: DossierStore,
    private readonly validator: RecordValidator,
    private readonly pusher: FeedPusher,
    private readonly defaultUnit: string,
    private readonly baseUrl: () => string | undefined,
  ) {}

  seed(input: DossierRecord, options: SeedOptions = {}): DossierEntry {
    if (!isPlainObject(input)) throw new Error('seed: the record must be an object');
    const record = normalizeRecord(input, 'keep');
    if (options.rewriteFileUrls) this.rewriteFileUrls(record);
    this.assertValid(record, 'seed');
    const maHoSo = record.MaHoSo as string;
    if (this.store.get(maHoSo)) throw new Error(`seed: dossier ${maHoSo} already exists`);
    return this.store.create(maHoSo, options.madonvi ?? this.defaultUnit, 'portal', record, 'seed');
  }

  /**
   * Hands the current record to the feed. `isUpdating` defaults to "False" for the first version of
   * the dossier and "True" for every later one (§4.1, also when the first could not be delivered).
   */
  push(maHoSo: string, isUpdating?: 'True' | 'False', reason = 'push'): QueuedPush {
    const entry = this.entry(maHoSo);
    const flag = isUpdating ?? (entry.pushedVersions === 0 ? 'False' : 'True');
    const body = JSON.stringify({
      madonvi: entry.madonvi,
      service: 'DongBoHoSoMC',
      isUpdating: flag,
      data: [entry.record],
    });
    const queued = this.pusher.enqueue(maHoSo, flag, body, reason);
    entry.pushedVersions += 1;
    entry.lastPushBody = body;
    entry.lastPushIsUpdating = flag;
    return queued;
  }

  /** Sends the last version of the dossier again, byte-identical (the manual re-push of §4.3). */
  redeliverLast(maHoSo: string): QueuedPush {
    const entry = this.entry(maHoSo);
    if (entry.lastPushBody === undefined || entry.lastPushIsUpdating === undefined)
      throw new Error(`redeliverLast: dossier ${maHoSo} was never pushed`);
    return this.pusher.enqueue(maHoSo, entry.lastPushIsUpdating, entry.lastPushBody, 'redeliver');
  }

  /** The applicant hands in a requested supplement at the desk: entry completed, status "4", pushed. */
  handInSupplement(maHoSo: string, s: SupplementHandIn): QueuedPush {
    const entry = this.changeable(maHoSo, '4');
    if (!isValidPortalDateTime(s.NgayTiepNhanBoSung))
      throw new Error(
        `handInSupplement: NgayTiepNhanBoSung ${String(s.NgayTiepNhanBoSung)} is not yyyyMMddHHmmss`,
      );
    if (typeof s.NoiDungBoSung !== 'string')
      throw new Error('handInSupplement: NoiDungBoSung must be a string');
    const list = (entry.record.DanhSachHoSoBoSung as Array<Record<string, unknown>> | undefined) ?? [];
    const target =
      s.MaHoSoBoSung !== undefined
        ? list.find((x) => x.MaHoSoBoSung === s.MaHoSoBoSung)
        : [...list].reverse().find((x) => !x.NgayTiepNhanBoSung);
    if (!target) throw new Error(`handInSupplement: dossier ${maHoSo} has no matching supplement request`);
    return this.apply(entry, 'desk:supplement', 'supplement', (r) => {
      const items = r.DanhSachHoSoBoSung as Array<Record<string, unknown>>;
      const item = items[list.indexOf(target)] as Record<string, unknown>;
      item.NgayTiepNhanBoSung = s.NgayTiepNhanBoSung;
      item.NoiDungBoSung = s.NoiDungBoSung;
      r.TrangThaiHoSo = '4';
    });
  }

  /**
   * The result is handed to the applicant: status "10", `NgayTra` set. When processing was not yet
   * recorded as finished, `NgayKetThucXuLy` takes `NgayTra` too (R4 needs it for "10").
   */
  handOverResult(maHoSo: string, ngayTra: string): QueuedPush {
    const entry = this.changeable(maHoSo, '10');
    if (!isValidPortalDateTime(ngayTra))
      throw new Error(`handOverResult: NgayTra ${String(ngayTra)} is not yyyyMMddHHmmss`);
    return this.apply(entry, 'desk:result', 'result', (r) => {
      r.NgayTra = ngayTra;
      if (!r.NgayKetThucXuLy) r.NgayKetThucXuLy = ngayTra;
      r.TrangThaiHoSo = '10';
    });
  }

  /** The applicant withdraws the dossier at the desk: status "7", pushed. */
  withdraw(maHoSo: string): QueuedPush {
    const entry = this.changeable(maHoSo, '7');
    return this.apply(entry, 'desk:withdraw', 'withdraw', (r) => {
      r.TrangThaiHoSo = '7';
    });
  }

  /** Staff correct fields of the record (any field of §3, specialist blocks included), pushed. */
  correct(maHoSo: string, patch: Record<string, unknown>): QueuedPush {
    const entry = this.entry(maHoSo);
    if (!isPlainObject(patch)) throw new Error('correct: the patch must be an object');
    if ('MaHoSo' in patch && patch.MaHoSo !== maHoSo) throw new Error('correct: MaHoSo cannot change');
    if (typeof patch.TrangThaiHoSo === 'string') this.changeable(maHoSo, patch.TrangThaiHoSo, true);
    return this.apply(entry, 'desk:correction', 'correction', (r) => {
      for (const [k, v] of Object.entries(patch)) r[k] = structuredClone(v);
    });
  }

  private apply(
    entry: DossierEntry,
    source: StatusSource,
    reason: string,
    change: (r: DossierRecord) => void,
  ): QueuedPush {
    if (!this.pusher.url)
      throw new Error('portal simulator: no feed URL configured (options.feedUrl or setFeedTarget)');
    const draft = structuredClone(entry.record);
    change(draft);
    const record = normalizeRecord(draft, 'keep');
    this.assertValid(record, reason);
    const before = this.store.status(entry);
    entry.record = record;
    if (source !== 'desk:correction' || this.store.status(entry) !== before)
      this.store.noteStatus(entry, source);
    return this.push(entry.maHoSo, 'True', reason);
  }

  private entry(maHoSo: string): DossierEntry {
    const entry = this.store.get(maHoSo);
    if (!entry) throw new Error(`portal simulator: unknown dossier ${maHoSo}`);
    return entry;
  }

  /**
   * The dossier, provided the desk may still act on it. A desk action (supplement, result,
   * withdrawal) needs an open dossier; a correction may set a status only under §5.7 (a terminal
   * status may be kept, not left).
   */
  private changeable(maHoSo: string, next: string, keepAllowed = false): DossierEntry {
    const entry = this.entry(maHoSo);
    const current = this.store.status(entry);
    if (TERMINAL_STATUSES.has(current) && !(keepAllowed && current === next))
      throw new Error(
        `portal simulator: dossier ${maHoSo} is in terminal status ${current}, cannot move to ${next}`,
      );
    return entry;
  }

  private assertValid(record: DossierRecord, what: string): void {
    const problems = [
      ...this.validator.explainRecord(record),
      ...checkConsistency(record).map((v) => `${v.path}: ${v.message}`),
    ];
    if (problems.length > 0) throw new Error(`${what}: invalid dossier record: ${problems.join('; ')}`);
  }

  private rewriteFileUrls(record: DossierRecord): void {
    const base = this.baseUrl();
    if (!base) throw new Error('seed: rewriteFileUrls needs a started simulator');
    for (const doc of (record.TaiLieuNop as unknown[] | undefined) ?? []) {
      if (isPlainObject(doc) && typeof doc.DuongDanTaiTepTin === 'string')
        doc.DuongDanTaiTepTin = doc.DuongDanTaiTepTin.replace(/^https?:\/\/[^/]+\/files\//, `${base}/files/`);
    }
  }
}
