import express from 'express';
import type { EmitterFaults } from '../callback-emitter.js';
import { FaultInjector, seededRandom } from '../fault-injector.js';
import type { FaultCounts, FaultSettings } from '../fault-injector.js';
import { listen } from '../http-harness.js';
import type { Listening } from '../http-harness.js';
import { controlRoutes } from './control-routes.js';
import { applyFaultPatch, defaultTaxFaults } from './fault-patch.js';
import type { TaxFaultPatch } from './fault-patch.js';
import {
  formatCompact,
  formatDay,
  formatNgayGui,
  formatNgayQuyetDinh,
  formatShortDay,
} from './local-time.js';
import { buildPaymentConfirmation, receiptPdf } from './payment-confirmation.js';
import { PushDelivery } from './push-delivery.js';
import {
  MAX_ROWS,
  TEN_TIEUMUC,
  buildNoticeXml,
  checkNoticeRow,
  realisticRows,
  taxCodeOf,
} from './tax-notices.js';
import { TaxRecordStore } from './tax-record-store.js';
import type {
  IssueNoticesOptions,
  IssuedNotice,
  NoticeRow,
  NoticeRowInput,
  PaymentOptions,
  PushRecord,
  TaxCounters,
  TaxFaults,
  TaxRecord,
  TaxSimulatorOptions,
} from './types.js';
import { SimUsageError } from './usage-error.js';
import { vendorRoutes } from './vendor-routes.js';
import type { VendorContext } from './vendor-routes.js';

/** The spec's example key (tax.md §3.4), used when no key is configured. */
export const EXAMPLE_SECURITY_KEY = '9e4a7b21-tax-key-example';

export interface PushTargets {
  noticeUrl?: string;
  paymentUrl?: string;
}

/** Everything `GET /__sim/state` returns. */
export interface TaxSimState {
  url: string | undefined;
  counters: TaxCounters;
  entries: Record<string, number>;
  records: TaxRecord[];
  notices: IssuedNotice[];
  pushes: PushRecord[];
  faults: FaultSettings & TaxFaults & EmitterFaults;
  faultCounts: FaultCounts;
  pushTargets: PushTargets;
}

/**
 * In-memory tax authority (tax.md v2.0): receives transfer forms, pushes tax notices and payment
 * confirmations to the client's two registered URLs.
 */
export class TaxSimulator {
  readonly faults: FaultInjector;
  readonly taxFaults: TaxFaults = defaultTaxFaults();
  private readonly store = new TaxRecordStore();
  private readonly delivery: PushDelivery;
  private readonly issued = new Map<string, IssuedNotice>();
  private readonly receipts = new Map<string, Buffer>();
  private readonly assignedTaxCodes = new Map<string, string>();
  private readonly calls: VendorContext['calls'] = {
    phieuchuyen: 0,
    accepted: 0,
    duplicates: 0,
    invalid: 0,
    unauthorized: 0,
    busy: 0,
  };
  private readonly securityKey: string;
  private readonly pushKey: string;
  private readonly unitCodes: string[];
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly targets: PushTargets;
  private seq: { gdich: number; notice: number; receipt: number };
  private listening: Listening | undefined;

  constructor(private readonly options: TaxSimulatorOptions = {}) {
    const seed = options.seed ?? 1;
    this.faults = new FaultInjector(seed);
    this.securityKey = options.securityKey ?? EXAMPLE_SECURITY_KEY;
    this.pushKey = options.pushSecurityKey ?? this.securityKey;
    this.unitCodes = options.unitCodes ?? ['H40.22'];
    this.now = options.now ?? (() => new Date());
    this.random = seededRandom(seed + 1);
    this.targets = { noticeUrl: options.noticeUrl, paymentUrl: options.paymentUrl };
    const start = options.sequenceStart ?? 1;
    this.seq = { gdich: start, notice: start, receipt: start };
    this.delivery = new PushDelivery({
      securityKey: () => this.pushKey,
      retryIntervalMs: options.retryIntervalMs ?? 60_000,
      maxAttempts: options.maxAttempts ?? 11,
      timeoutMs: options.pushTimeoutMs ?? 30_000,
      seed,
    });
  }

  /** Base URL once started. */
  get url(): string | undefined {
    return this.listening?.url;
  }

  /** Push faults (CallbackEmitter): `reorder`, `duplicateNext`, `duplicateRate`. */
  get pushFaults(): EmitterFaults {
    return this.delivery.faults;
  }

  async start(port = 0): Promise<string> {
    if (this.listening) return this.listening.url;
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.use('/__sim', controlRoutes(this));
    app.use(
      vendorRoutes({
        faults: this.faults,
        taxFaults: this.taxFaults,
        store: this.store,
        securityKey: this.securityKey,
        unitCodes: this.unitCodes,
        now: this.now,
        calls: this.calls,
        receipts: this.receipts,
      }),
    );
    this.listening = await listen(app, port, '127.0.0.1', () => this.faults.releaseHanging());
    return this.listening.url;
  }

  /** Stops retries and in-flight pushes, releases hanging connections, closes the server. */
  async close(): Promise<void> {
    this.delivery.close();
    this.faults.releaseHanging();
    const l = this.listening;
    this.listening = undefined;
    if (l) await l.close();
  }

  // ---- counters and records ------------------------------------------------------------------

  /** How many tax records the authority holds for a dossier (2 = entered twice). */
  entries(maHoSo: string): number {
    return this.store.forDossier(maHoSo).length;
  }

  records(maHoSo?: string): TaxRecord[] {
    return maHoSo === undefined ? this.store.all() : this.store.forDossier(maHoSo);
  }

  notices(maHoSo?: string): IssuedNotice[] {
    const all = [...this.issued.values()].map((n) => ({ ...n }));
    return maHoSo === undefined ? all : all.filter((n) => n.MA_HSO === maHoSo);
  }

  pushes(): PushRecord[] {
    return this.delivery.all();
  }

  lastPush(): PushRecord | undefined {
    return this.delivery.last();
  }

  counters(): TaxCounters {
    const d = this.delivery;
    return {
      records: this.store.size,
      phieuchuyenCalls: this.calls.phieuchuyen,
      accepted: this.calls.accepted,
      duplicates: this.calls.duplicates,
      invalid: this.calls.invalid,
      unauthorized: this.calls.unauthorized,
      busy: this.calls.busy,
      pushesSent: d.all().length,
      pushAttempts: d.attempts,
      pushesDelivered: d.count('delivered'),
      pushesRejected: d.count('rejected'),
      pushesGivenUp: d.count('given-up'),
      pushesPending: d.count('pending'),
      duplicatesSent: d.duplicatesSent,
    };
  }

  state(): TaxSimState {
    const entries: Record<string, number> = {};
    for (const r of this.store.all()) entries[r.MA_HSO] = (entries[r.MA_HSO] ?? 0) + 1;
    return {
      url: this.url,
      counters: this.counters(),
      entries,
      records: this.records(),
      notices: this.notices(),
      pushes: this.pushes(),
      faults: { ...this.faults.settings, ...this.taxFaults, ...this.delivery.faults },
      faultCounts: { ...this.faults.counts },
      pushTargets: { ...this.targets },
    };
  }

  // ---- faults and configuration --------------------------------------------------------------

  /** Applies a flat patch of transport, busy and push faults (see TaxFaultPatch). */
  setFaults(patch: TaxFaultPatch): void {
    applyFaultPatch(patch, this.faults, this.taxFaults, (p) => this.delivery.setFaults(p));
  }

  resetFaults(): void {
    this.faults.reset();
    Object.assign(this.taxFaults, defaultTaxFaults());
    this.delivery.setFaults({ reorder: false, duplicateNext: 0, duplicateRate: 0 });
  }

  /** Registers (or changes) URL_THONG_BAO_THUE / URL_XAC_NHAN_NOP_THUE. */
  setPushTargets(targets: PushTargets): void {
    for (const [k, v] of Object.entries(targets) as Array<[keyof PushTargets, string | undefined]>) {
      if (v === undefined) continue;
      try {
        if (!/^https?:$/.test(new URL(v).protocol)) throw new Error();
      } catch {
        throw new SimUsageError(`${k} must be an absolute http(s) URL`);
      }
      this.targets[k] = v;
    }
  }

  /** Forgets records, notices, pushes and counters; resets faults. */
  reset(): void {
    this.store.clear();
    this.issued.clear();
    this.receipts.clear();
    this.delivery.clear();
    for (const k of Object.keys(this.calls) as Array<keyof VendorContext['calls']>) this.calls[k] = 0;
    this.resetFaults();
  }

  /** Resolves when every push is delivered, rejected or given up. */
  idle(): Promise<void> {
    return this.delivery.idle();
  }

  // ---- pushes --------------------------------------------------------------------------------

  /**
   * Pushes one tax-notice message (§4.3) carrying `rows` (1..50, any dossiers). Missing row fields
   * are filled from the record held for the dossier and the clock; a new SO_QUYET_DINH per row.
   */
  issueNotices(rows: NoticeRowInput[], options: IssueNoticesOptions = {}): PushRecord {
    const url = this.requireTarget('noticeUrl');
    const now = this.now();
    const maGdich = options.maGdich ?? this.nextMaGdich(now);
    const full = rows.map((r) => this.completeRow(r, now));
    if (!options.unchecked) this.checkNotices(maGdich, full);
    for (const r of full) {
      if (!this.issued.has(r.SO_QUYET_DINH)) this.issued.set(r.SO_QUYET_DINH, { ...r, maGdich });
    }
    const [push] = this.delivery.push([
      {
        kind: 'notice',
        url,
        body: buildNoticeXml(maGdich, formatNgayGui(now), full),
        maGdich,
        maHoSo: [...new Set(full.map((r) => r.MA_HSO))],
        soQuyetDinh: full.map((r) => r.SO_QUYET_DINH),
      },
    ]);
    return push!;
  }

  /** Issues `count` (default 2) realistic notices for a dossier from the transfer form held for it. */
  issueNoticesFor(maHoSo: string, count = 2, options: IssueNoticesOptions = {}): PushRecord {
    const record = this.store.forDossier(maHoSo)[0];
    if (!record) throw new SimUsageError(`no transfer form held for MA_HSO ${maHoSo}`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_ROWS) {
      throw new SimUsageError(`count must be 1..${MAX_ROWS}`);
    }
    const now = this.now();
    const rows = realisticRows(
      record,
      count,
      this.taxCodeFor(record),
      () => this.nextSoQuyetDinh(now),
      formatNgayQuyetDinh(now),
    );
    return this.issueNotices(rows, options);
  }

  /**
   * Pushes the payment confirmation (§4.4) of one notice, or of every notice of the dossier not
   * yet confirmed paid (`'all'`, one message per notice, sent as one batch).
   */
  confirmPayment(maHoSo: string, soQuyetDinh = 'all', options: PaymentOptions = {}): PushRecord[] {
    const url = this.requireTarget('paymentUrl');
    const status = options.trangThaiThanhToan ?? 1;
    if (status !== 0 && status !== 1) throw new SimUsageError('trangThaiThanhToan must be 0 or 1');
    let notices: IssuedNotice[];
    if (soQuyetDinh === 'all') {
      notices = [...this.issued.values()].filter((n) => n.MA_HSO === maHoSo && n.trangThaiThanhToan !== 1);
      if (notices.length === 0) throw new SimUsageError(`no unpaid notice for MA_HSO ${maHoSo}`);
    } else {
      const n = this.issued.get(soQuyetDinh);
      if (!n || n.MA_HSO !== maHoSo) throw new SimUsageError(`no notice ${soQuyetDinh} for MA_HSO ${maHoSo}`);
      // §4.4: at most one confirmation with 1 per notice; a 0 is never sent after a 1.
      if (n.trangThaiThanhToan === 1) throw new SimUsageError(`notice ${soQuyetDinh} already confirmed paid`);
      notices = [n];
    }
    const now = this.now();
    const messages = notices.map((n) => {
      n.trangThaiThanhToan = status;
      let receiptUrl = '';
      if (status === 1) {
        const file = `CT${formatShortDay(now)}${String(this.seq.receipt++).padStart(4, '0')}.pdf`;
        this.receipts.set(file, receiptPdf(file, n));
        receiptUrl = `${this.receiptBase()}/api/thue/chungtu/${file}`;
      }
      const body = buildPaymentConfirmation(n, formatCompact(now), status, receiptUrl);
      return {
        kind: 'payment' as const,
        url,
        body: JSON.stringify(body),
        maGdich: '',
        maHoSo: [n.MA_HSO],
        soQuyetDinh: [n.SO_QUYET_DINH],
      };
    });
    return this.delivery.push(messages);
  }

  /** Sends the last pushed message again, byte-identical (same MA_GDICH), as a new delivery. */
  repeatLast(): PushRecord {
    const last = this.delivery.last();
    if (!last) throw new SimUsageError('nothing pushed yet');
    const [push] = this.delivery.push([
      {
        kind: last.kind,
        url: last.url,
        body: last.body,
        maGdich: last.maGdich,
        maHoSo: last.maHoSo,
        soQuyetDinh: last.soQuyetDinh,
        repeatOf: last.repeatOf ?? last.id,
      },
    ]);
    return push!;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private requireTarget(k: keyof PushTargets): string {
    const url = this.targets[k];
    if (!url) throw new SimUsageError(`${k} is not registered`);
    return url;
  }

  private receiptBase(): string {
    return (this.options.receiptBaseUrl ?? this.url ?? 'http://localhost:8085').replace(/\/$/, '');
  }

  private nextMaGdich(now: Date): string {
    return `TCT-TB-${formatDay(now)}-${String(this.seq.gdich++).padStart(6, '0')}`;
  }

  private nextSoQuyetDinh(now: Date): string {
    return `TB${formatShortDay(now)}${String(this.seq.notice++).padStart(4, '0')}`;
  }

  private taxCodeFor(record: TaxRecord): string {
    return taxCodeOf(record, () => {
      let code = this.assignedTaxCodes.get(record.MA_HSO);
      if (!code) {
        code = `80${String(Math.floor(this.random() * 1e8)).padStart(8, '0')}`;
        this.assignedTaxCodes.set(record.MA_HSO, code);
      }
      return code;
    });
  }

  private completeRow(input: NoticeRowInput, now: Date): NoticeRow {
    const record = this.store.forDossier(input.MA_HSO)[0];
    const maSoThue = input.MA_SO_THUE ?? (record ? this.taxCodeFor(record) : undefined);
    if (maSoThue === undefined) {
      throw new SimUsageError(`MA_SO_THUE required: no transfer form held for MA_HSO ${input.MA_HSO}`);
    }
    const tenTieuMuc = input.TEN_TIEUMUC ?? (record ? TEN_TIEUMUC[record.LOAI_THUE] : undefined);
    if (tenTieuMuc === undefined) {
      throw new SimUsageError(`TEN_TIEUMUC required: no transfer form held for MA_HSO ${input.MA_HSO}`);
    }
    if (typeof input.SO_TIEN === 'number' && !Number.isSafeInteger(input.SO_TIEN)) {
      throw new SimUsageError('SO_TIEN must be a whole number of VND');
    }
    return {
      MA_HSO: input.MA_HSO,
      MA_SO_THUE: maSoThue,
      SO_QUYET_DINH: input.SO_QUYET_DINH ?? this.nextSoQuyetDinh(now),
      NGAY_QUYET_DINH: input.NGAY_QUYET_DINH ?? formatNgayQuyetDinh(now),
      SO_TIEN: String(input.SO_TIEN),
      TEN_TIEUMUC: tenTieuMuc,
    };
  }

  private checkNotices(maGdich: string, rows: NoticeRow[]): void {
    if (maGdich.length < 1 || maGdich.length > 50) throw new SimUsageError('MA_GDICH: 1..50 chars');
    if (rows.length < 1 || rows.length > MAX_ROWS) throw new SimUsageError(`ROW_LIST: 1..${MAX_ROWS} rows`);
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      const problem = checkNoticeRow(r, i);
      if (problem) throw new SimUsageError(problem);
      if (seen.has(r.SO_QUYET_DINH))
        throw new SimUsageError(`SO_QUYET_DINH ${r.SO_QUYET_DINH} twice in one message`);
      seen.add(r.SO_QUYET_DINH);
      // §4.3: each notice is sent in exactly one message (one MA_GDICH).
      const prior = this.issued.get(r.SO_QUYET_DINH);
      if (prior && prior.maGdich !== maGdich) {
        throw new SimUsageError(`SO_QUYET_DINH ${r.SO_QUYET_DINH} was already sent under ${prior.maGdich}`);
      }
    });
  }
}
