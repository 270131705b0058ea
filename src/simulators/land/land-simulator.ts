import { randomUUID } from 'node:crypto';
import express from 'express';
import type { Response } from 'express';
import { CallbackEmitter, type EmitterFaults, type EmitterStats } from '../callback-emitter.js';
import { FaultInjector, type FaultCounts, type FaultSettings, defaultFaults } from '../fault-injector.js';
import { listen, type Listening } from '../http-harness.js';
import { landApiRouter } from './api-routes.js';
import {
  LandSimError,
  checkAction,
  resolveAction,
  statusAfter,
  type CallbackOperation,
  type LandAction,
  type LandCallbackBody,
} from './callback-events.js';
import { DossierStore, type LandDossier } from './dossier-store.js';
import { FileStore, THIRTY_DAYS_MS } from './file-store.js';
import { HttpClient } from './http-client.js';
import { LandStatus, type LandStatusCode } from './land-status.js';
import {
  isAbsoluteHttpUrl,
  type BoSungRequest,
  type TiepNhanRequest,
  type TraKetQuaRequest,
} from './request-validation.js';
import { simControlRouter } from './sim-routes.js';
import { formatUtc, parseUtc } from './utc-time.js';

export interface LandSimulatorOptions {
  /** Accepted `X-VBDLIS-Key` (compared exactly). Default: the key of the spec examples. */
  apiKey?: string;
  /** Absolute URL without trailing `/`; callbacks go to `{callbackBase}/{securityCode}/{Operation}`. */
  callbackBase?: string;
  /** 8..64 chars `[A-Za-z0-9]` (land.md §7.1). Required with `callbackBase`. */
  securityCode?: string;
  /** Seeds the fault and emitter random sources. */
  seed?: number;
  /** First `hoSoId` handed out (default 152347, as in the examples). */
  firstHoSoId?: number;
  /** Callback retry interval (spec: 30 s; default 100 ms so tests run fast). */
  retryIntervalMs?: number;
  /** Callback attempts per event (spec: 21 = 1 + 20 retries; the default). */
  maxAttempts?: number;
  /** A callback attempt without a complete answer within this time failed (spec: 30 s; default 5 s). */
  callbackTimeoutMs?: number;
  /** Parallel callback connections (default unlimited; 1 = strictly in emission order). */
  callbackMaxSockets?: number;
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number;
  /** Base of the file URLs put in callbacks (default: the URL `start` returned). */
  publicBaseUrl?: string;
  /** How long `/api/motcua/tep/{name}` serves a file (spec: 30 days). */
  fileLifetimeMs?: number;
  /** Download `TepDinhKem` in the background after intake, like the real system (default false). */
  downloadAttachments?: boolean;
  /** Timeout of one attachment download (default 5 s). */
  downloadTimeoutMs?: number;
}

/** Faults specific to the land system (the shared ones are in `faults` and `emitter.faults`). */
export interface LandFaultSettings {
  /** The next N mutating calls are applied, then answered `failAfterCommitStatus` (non-JSON body). */
  failAfterCommitNext: number;
  failAfterCommitStatus: number;
}

const defaultLandFaults = (): LandFaultSettings => ({ failAfterCommitNext: 0, failAfterCommitStatus: 503 });

/** One patch for every fault switch: HTTP faults, callback faults and land faults. */
export type LandFaultPatch = Partial<FaultSettings> & Partial<EmitterFaults> & Partial<LandFaultSettings>;

export interface LandCounters {
  /** Authenticated intake requests that reached the system (valid or not). */
  tiepnhanCalls: number;
  /** Land dossiers created (= successful intakes). */
  dossiersCreated: number;
  lookupCalls: number;
  supplementCalls: number;
  /** Supplements that changed a dossier (idempotent repeats excluded). */
  supplementsRecorded: number;
  resultCalls: number;
  /** Hand-overs that changed a dossier to 8 (idempotent repeats excluded). */
  resultsRecorded: number;
  /** supplementCalls + resultCalls. */
  updateCalls: number;
  /** Requests answered 400 INVALID. */
  invalid: number;
  /** Requests answered 401 UNAUTHORIZED. */
  unauthorized: number;
  fileDownloads: number;
  /** Mutating calls applied then answered with a 5xx (land fault `failAfterCommitNext`). */
  failedAfterCommit: number;
  /** Callback events created by the land office. */
  eventsCreated: number;
  /** Emitter statistics: emitted, attempts, delivered, duplicatesSent, dropped. */
  callbacks: EmitterStats;
}

/** A callback event and its delivery record. */
export interface LandEvent {
  EventId: string;
  Operation: CallbackOperation;
  hoSoId: number;
  MaHoSoMotCua: string;
  ThoiDiem: string;
  body: LandCallbackBody;
  /** The exact text sent on every attempt (a duplicate is byte-identical). */
  json: string;
  /** False when no callback target was configured when the event happened. */
  sent: boolean;
  attempts: number;
  /** 2xx answers received (more than 1 after a duplicate delivery). */
  delivered: number;
  lastStatus?: number;
  lastError?: string;
}

/** One HTTP attempt, in the order attempts were started. */
export interface DeliveryAttempt {
  seq: number;
  EventId: string;
  Operation: CallbackOperation;
  hoSoId: number;
  url: string;
  status?: number;
  error?: string;
}

/** A land dossier: by `hoSoId`, or every (or the first/last) land dossier of a `MaHoSoMotCua`. */
export type LandTarget =
  number | string | { hoSoId: number } | { maHoSo: string; which?: 'all' | 'first' | 'last' };

export interface LandFaultState {
  http: FaultSettings;
  httpCounts: FaultCounts;
  callbacks: EmitterFaults;
  land: LandFaultSettings;
}

export interface LandSimState {
  url: string | undefined;
  callbackTarget: { callbackBase: string; securityCode: string } | undefined;
  counters: LandCounters;
  /** Land dossiers per `MaHoSoMotCua`. */
  entries: Record<string, number>;
  faults: LandFaultState;
  records: LandDossier[];
  events: LandEvent[];
  deliveries: DeliveryAttempt[];
  files: string[];
}

const EXAMPLE_KEY = '4b1e7c2a-land-key-example';
const SECURITY_CODE = /^[A-Za-z0-9]{8,64}$/;
const MAX_DELIVERY_LOG = 2000;
const ICT_OFFSET_MS = 7 * 3600 * 1000;

type Outcome = { ok: true; changed: boolean } | { ok: false; message: string };

const zeroCounters = (): Omit<LandCounters, 'updateCalls' | 'callbacks'> => ({
  tiepnhanCalls: 0,
  dossiersCreated: 0,
  lookupCalls: 0,
  supplementCalls: 0,
  supplementsRecorded: 0,
  resultCalls: 0,
  resultsRecorded: 0,
  invalid: 0,
  unauthorized: 0,
  fileDownloads: 0,
  failedAfterCommit: 0,
  eventsCreated: 0,
});

function checkCallbackTarget(
  callbackBase: unknown,
  securityCode: unknown,
): { callbackBase: string; securityCode: string } {
  if (typeof callbackBase !== 'string' || !isAbsoluteHttpUrl(callbackBase) || callbackBase.endsWith('/')) {
    throw new LandSimError('callbackBase: phải là URL tuyệt đối http(s), không có / ở cuối');
  }
  if (typeof securityCode !== 'string' || !SECURITY_CODE.test(securityCode)) {
    throw new LandSimError('securityCode: 8..64 ký tự [A-Za-z0-9]');
  }
  return { callbackBase, securityCode };
}

/**
 * The land registry (VBDLIS) simulator: the four client-facing operations of land.md, file
 * downloads, the land office's actions with their callbacks (§7), counters and fault switches.
 */
export class LandSimulator {
  readonly faults: FaultInjector;
  readonly landFaults: LandFaultSettings = defaultLandFaults();
  readonly emitter: CallbackEmitter<LandEvent>;
  apiKey: string;

  /** @internal used by the routes */
  readonly store: DossierStore;
  /** @internal used by the routes */
  readonly files: FileStore;
  /** @internal used by the routes */
  readonly count = zeroCounters();
  /** @internal clock used by the routes */
  readonly now: () => number;

  private target: { callbackBase: string; securityCode: string } | undefined;
  private readonly events: LandEvent[] = [];
  private readonly deliveries: DeliveryAttempt[] = [];
  private readonly downloads = new Set<Promise<void>>();
  private readonly http: HttpClient;
  private listening: Listening | undefined;
  private closing = false;
  private deliverySeq = 0;
  private noticeSeq = 0;

  constructor(private readonly options: LandSimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.apiKey = options.apiKey ?? EXAMPLE_KEY;
    if (options.callbackBase !== undefined || options.securityCode !== undefined) {
      this.target = checkCallbackTarget(options.callbackBase, options.securityCode);
    }
    const seed = options.seed ?? 1;
    this.faults = new FaultInjector(seed);
    this.store = new DossierStore(options.firstHoSoId ?? 152347, this.now);
    this.files = new FileStore(this.now, options.fileLifetimeMs ?? THIRTY_DAYS_MS);
    this.http = new HttpClient(options.callbackMaxSockets);
    this.emitter = new CallbackEmitter<LandEvent>({
      send: (e) => this.send(e),
      retryIntervalMs: options.retryIntervalMs ?? 100,
      maxAttempts: options.maxAttempts ?? 21,
      seed: seed + 1,
    });
  }

  get url(): string | undefined {
    return this.listening?.url;
  }

  async start(port = 0): Promise<string> {
    if (this.listening) return this.listening.url;
    const app = express();
    app.disable('x-powered-by');
    app.use('/__sim', simControlRouter(this));
    app.use('/api', landApiRouter(this));
    this.listening = await listen(app, port, '127.0.0.1', () => this.faults.releaseHanging());
    return this.listening.url;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.faults.releaseHanging();
    // Abort callbacks and downloads in flight; let the emitter's loops reach their retry sleep,
    // then stop the emitter, which clears those timers, so nothing keeps the process alive.
    await this.http.close();
    await new Promise<void>((r) => setImmediate(r));
    this.emitter.close();
    await Promise.allSettled([...this.downloads]);
    await this.listening?.close();
    this.listening = undefined;
  }

  // ---------------------------------------------------------------- counters and state

  /** How many land dossiers the system holds for a one-stop dossier code ("entered exactly once"). */
  entries(maHoSo: string): number {
    return this.store.byMaHoSo(maHoSo).length;
  }

  counters(): LandCounters {
    return {
      ...this.count,
      updateCalls: this.count.supplementCalls + this.count.resultCalls,
      callbacks: { ...this.emitter.stats },
    };
  }

  /** Snapshots of the land dossiers (all, or those of one `MaHoSoMotCua`), by `hoSoId`. */
  dossiers(maHoSo?: string): LandDossier[] {
    return structuredClone(maHoSo === undefined ? this.store.all() : this.store.byMaHoSo(maHoSo));
  }

  dossier(hoSoId: number): LandDossier | undefined {
    const d = this.store.get(hoSoId);
    return d && structuredClone(d);
  }

  /** Snapshots of the callback events, in the order they happened. */
  emittedEvents(): LandEvent[] {
    return structuredClone(this.events);
  }

  /** HTTP callback attempts in the order they were started (bounded log). */
  deliveryLog(): DeliveryAttempt[] {
    return structuredClone(this.deliveries);
  }

  faultState(): LandFaultState {
    return {
      http: { ...this.faults.settings },
      httpCounts: { ...this.faults.counts },
      callbacks: { ...this.emitter.faults },
      land: { ...this.landFaults },
    };
  }

  state(): LandSimState {
    const entries: Record<string, number> = {};
    for (const d of this.store.all()) entries[d.MaHoSoMotCua] = (entries[d.MaHoSoMotCua] ?? 0) + 1;
    return {
      url: this.url,
      callbackTarget: this.target && { ...this.target },
      counters: this.counters(),
      entries,
      faults: this.faultState(),
      records: this.dossiers(),
      events: this.emittedEvents(),
      deliveries: this.deliveryLog(),
      files: this.files.names(),
    };
  }

  // ---------------------------------------------------------------- controls

  /**
   * Sets fault switches from one flat patch: keys of `FaultSettings` go to `faults`, keys of
   * `EmitterFaults` (`reorder`, `duplicateNext`, `duplicateRate`) to the callback emitter, and
   * `failAfterCommitNext`/`failAfterCommitStatus` to `landFaults`. Unknown keys or wrong types throw.
   */
  setFaults(patch: LandFaultPatch | Record<string, unknown>): LandFaultState {
    const http = defaultFaults();
    const emitter: EmitterFaults = { reorder: false, duplicateNext: 0, duplicateRate: 0 };
    const land = defaultLandFaults();
    const httpPatch: Record<string, unknown> = {};
    const emitterPatch: Record<string, unknown> = {};
    const landPatch: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(patch)) {
      const into = Object.hasOwn(http, key)
        ? [http, httpPatch]
        : Object.hasOwn(emitter, key)
          ? [emitter, emitterPatch]
          : Object.hasOwn(land, key)
            ? [land, landPatch]
            : undefined;
      if (!into) throw new LandSimError(`${key}: không phải là công tắc lỗi đã biết`);
      const [defaults, target] = into as [Record<string, unknown>, Record<string, unknown>];
      const expected = typeof defaults[key];
      if (
        typeof value !== expected ||
        (expected === 'number' && (!Number.isFinite(value) || (value as number) < 0))
      ) {
        throw new LandSimError(`${key}: phải là ${expected === 'number' ? 'số không âm' : expected}`);
      }
      target[key] = value;
    }
    this.faults.set(httpPatch as Partial<FaultSettings>);
    this.emitter.setFaults(emitterPatch as Partial<EmitterFaults>);
    Object.assign(this.landFaults, landPatch);
    return this.faultState();
  }

  resetFaults(): void {
    this.faults.reset();
    this.emitter.setFaults({ reorder: false, duplicateNext: 0, duplicateRate: 0 });
    Object.assign(this.landFaults, defaultLandFaults());
  }

  /** Changes where callbacks go (also for events still being retried). */
  setCallbackTarget(callbackBase: string, securityCode: string): void {
    this.target = checkCallbackTarget(callbackBase, securityCode);
  }

  /** Forgets dossiers, events, files and counters and resets the faults (hoSoIds are not reused). */
  reset(): void {
    this.store.clear();
    this.files.clear();
    this.events.length = 0;
    this.deliveries.length = 0;
    Object.assign(this.count, zeroCounters());
    for (const k of Object.keys(this.emitter.stats) as (keyof EmitterStats)[]) this.emitter.stats[k] = 0;
    for (const k of Object.keys(this.faults.counts) as (keyof FaultCounts)[]) this.faults.counts[k] = 0;
    this.resetFaults();
  }

  /** Resolves once every callback was delivered or dropped and downloads ended; false on timeout. */
  async idle(timeoutMs = 10_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const work = (async () => {
      await this.emitter.idle();
      await Promise.allSettled([...this.downloads]);
      return true;
    })();
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Registers a file served at `/api/motcua/tep/{name}`; returns its URL. */
  addFile(name: string, content?: Buffer | string, contentType?: string): string {
    this.files.put(name, content, contentType);
    return this.fileUrl(name);
  }

  // ---------------------------------------------------------------- land office actions

  /**
   * The land office does `actions` to the target dossier(s), in order, and the resulting callbacks
   * are emitted as ONE batch (so the emitter's `reorder` fault sends them newest first). All
   * actions are checked first: nothing happens when one is invalid. Returns the events.
   */
  act(target: LandTarget, actions: readonly unknown[]): LandEvent[] {
    if (!Array.isArray(actions) || actions.length === 0)
      throw new LandSimError('actions: phải có ít nhất 1 hành động');
    const checked = actions.map(checkAction);
    const dossiers = this.resolve(target);
    for (const d of dossiers) {
      let status: LandStatusCode = d.TrangThai;
      for (const a of checked) status = statusAfter(a, status, d.hoSoId);
    }
    const events = dossiers.flatMap((d) => checked.map((a) => this.apply(d, a)));
    this.dispatch(events);
    return structuredClone(events);
  }

  /** Alias of `act`: several events at once, one emitter batch. */
  emitBatch(target: LandTarget, actions: readonly unknown[]): LandEvent[] {
    return this.act(target, actions);
  }

  /** `ChuyenHoSo`: the dossier moves to a processing step (status 2). */
  transfer(
    target: LandTarget,
    fields: { BuocXuLy?: string; PhongBan?: string; NguoiXuLy?: string } = {},
  ): LandEvent[] {
    return this.act(target, [{ ...fields, Operation: 'ChuyenHoSo' }]);
  }

  /** `YeuCauBoSungHoSo`: a supplement is requested (status 3). `HanBoSung` defaults to +7 days. */
  requestSupplement(
    target: LandTarget,
    fields: { NoiDungYeuCau?: string; HanBoSung?: string } = {},
  ): LandEvent[] {
    return this.act(target, [{ ...fields, Operation: 'YeuCauBoSungHoSo' }]);
  }

  /** `GuiKetQuaThue`: tax notices issued (status 4). Missing numbers, names and URLs are generated. */
  sendTaxResult(
    target: LandTarget,
    notices: Extract<LandAction, { Operation: 'GuiKetQuaThue' }>['DanhSachThongBaoThue'],
  ): LandEvent[] {
    return this.act(target, [{ Operation: 'GuiKetQuaThue', DanhSachThongBaoThue: notices }]);
  }

  /** `KetThucHoSo`: processing ends, `TrangThaiKetThuc` 0/1/2 → status 5/6/7. */
  finish(
    target: LandTarget,
    fields: Omit<Extract<LandAction, { Operation: 'KetThucHoSo' }>, 'Operation'>,
  ): LandEvent[] {
    return this.act(target, [{ ...fields, Operation: 'KetThucHoSo' }]);
  }

  /**
   * Drift on purpose (reconciliation tests): the land office changes the status of the target
   * dossier(s) without any callback, as happens when the system gives up on an event (land.md §7.2).
   * The lookup shows the new status; the gateway is not told.
   */
  setStatusSilently(target: LandTarget, TrangThai: number): LandDossier[] {
    if (!Number.isInteger(TrangThai) || TrangThai < 1 || TrangThai > 8)
      throw new LandSimError('TrangThai: phải là số nguyên từ 1 đến 8');
    const dossiers = this.resolve(target);
    for (const d of dossiers)
      this.store.setStatus(d, TrangThai as LandStatusCode, this.store.tick(d), 'ChuyenHoSo');
    return structuredClone(dossiers);
  }

  /** Drift on purpose: the land system loses the target dossier(s) (the lookup no longer finds them). */
  forgetSilently(target: LandTarget): number {
    const dossiers = this.resolve(target);
    for (const d of dossiers) this.store.remove(d.hoSoId);
    return dossiers.length;
  }

  /** Sends an already emitted event again (same EventId, identical body). */
  resend(eventId: string): LandEvent {
    const e = this.events.find((x) => x.EventId === eventId);
    if (!e) throw new LandSimError(`EventId ${eventId}: không tồn tại`, 404);
    this.dispatch([e]);
    return structuredClone(e);
  }

  // ---------------------------------------------------------------- operations (used by the routes)

  /** @internal `tiepnhan`: always creates a new land dossier (land.md §3.3). */
  intake(request: TiepNhanRequest, rawBody: string, nonNfc: string[]): LandDossier {
    const d = this.store.create(request, rawBody, nonNfc);
    this.count.dossiersCreated += 1;
    if (this.options.downloadAttachments) this.downloadAttachments(d);
    return d;
  }

  /** @internal `capnhattrangthaibosunghoso` business rules (land.md §5). */
  supplement(req: BoSungRequest): Outcome {
    const d = this.store.get(req.hoSoId);
    if (!d) return { ok: false, message: `hoSoId: không tìm thấy hồ sơ ${req.hoSoId}` };
    if (d.MaHoSoMotCua !== req.MaHoSoMotCua) {
      return { ok: false, message: `MaHoSoMotCua: không khớp với hoSoId ${req.hoSoId}` };
    }
    if (d.supplements.some((s) => s.NgayBoSung === req.NgayBoSung)) return { ok: true, changed: false };
    if (d.TrangThai !== LandStatus.ChoBoSung) {
      return {
        ok: false,
        message: `hoSoId: hồ sơ ${req.hoSoId} không ở trạng thái chờ bổ sung (TrangThai ${d.TrangThai})`,
      };
    }
    d.supplements.push({
      NgayBoSung: req.NgayBoSung,
      NoiDung: req.NoiDung,
      receivedAt: formatUtc(this.now()),
    });
    this.count.supplementsRecorded += 1;
    this.dispatch([this.apply(d, { Operation: 'NhanBoSungHoSo' })]);
    return { ok: true, changed: true };
  }

  /** @internal `capnhattrangthaitraketquahoso` business rules (land.md §6). */
  handOver(req: TraKetQuaRequest): Outcome {
    const d = this.store.get(req.hoSoId);
    if (!d) return { ok: false, message: `hoSoId: không tìm thấy hồ sơ ${req.hoSoId}` };
    if (d.MaHoSoMotCua !== req.MaHoSoMotCua) {
      return { ok: false, message: `MaHoSoMotCua: không khớp với hoSoId ${req.hoSoId}` };
    }
    if (d.TrangThai === LandStatus.DaTraKetQua) return { ok: true, changed: false };
    if (d.TrangThai !== LandStatus.DaCoKetQua && d.TrangThai !== LandStatus.TraLaiKhongCoKetQua) {
      return {
        ok: false,
        message: `hoSoId: hồ sơ ${req.hoSoId} chưa kết thúc xử lý (TrangThai ${d.TrangThai})`,
      };
    }
    d.resultHandedOver = { NgayTraKetQua: req.NgayTraKetQua, receivedAt: formatUtc(this.now()) };
    this.store.setStatus(d, LandStatus.DaTraKetQua, this.store.tick(d), 'capnhattrangthaitraketquahoso');
    this.count.resultsRecorded += 1;
    return { ok: true, changed: true };
  }

  /**
   * @internal Land fault `failAfterCommitNext`: after a change was applied, answers a 5xx with a
   * non-JSON body. Returns true when it took the response.
   */
  failAfterCommit(res: Response): boolean {
    if (this.landFaults.failAfterCommitNext <= 0) return false;
    this.landFaults.failAfterCommitNext -= 1;
    this.count.failedAfterCommit += 1;
    res
      .status(this.landFaults.failAfterCommitStatus)
      .type('text/html')
      .send('<html><body>Service Unavailable</body></html>');
    return true;
  }

  // ---------------------------------------------------------------- internals

  private resolve(target: LandTarget): LandDossier[] {
    let found: LandDossier[];
    let label: string;
    if (typeof target === 'number' || (typeof target === 'object' && target !== null && 'hoSoId' in target)) {
      const id = typeof target === 'number' ? target : target.hoSoId;
      const d = this.store.get(id);
      found = d ? [d] : [];
      label = `hoSoId ${id}`;
    } else if (
      typeof target === 'string' ||
      (typeof target === 'object' && target !== null && 'maHoSo' in target)
    ) {
      const ma = typeof target === 'string' ? target : target.maHoSo;
      const which = typeof target === 'string' ? 'all' : (target.which ?? 'all');
      const all = this.store.byMaHoSo(ma);
      found = which === 'first' ? all.slice(0, 1) : which === 'last' ? all.slice(-1) : all;
      label = `MaHoSoMotCua ${ma}`;
    } else {
      throw new LandSimError('target: cần hoSoId (số) hoặc maHoSo (chuỗi)');
    }
    if (found.length === 0) throw new LandSimError(`${label}: không có hồ sơ đất`, 404);
    return found;
  }

  /** Applies one action to a dossier: new status, callback body, event record. */
  private apply(d: LandDossier, action: LandAction): LandEvent {
    const status = statusAfter(action, d.TrangThai, d.hoSoId);
    const ThoiDiem = this.store.tick(d);
    const at = parseUtc(ThoiDiem) ?? this.now();
    const fields = resolveAction(
      action,
      {
        hoSoId: d.hoSoId,
        hoTenChu: d.request.ChuSuDung.HoTen,
        at,
        publishFile: (name) => this.addFile(name),
        nextNoticeNumber: () => {
          this.noticeSeq += 1;
          const localDate = formatUtc(at + ICT_OFFSET_MS)
            .slice(2, 10)
            .replace(/-/g, '');
          return `TB${localDate}${String(this.noticeSeq).padStart(4, '0')}`;
        },
      },
      formatUtc,
    );
    this.publishLinkedFiles(fields);
    const EventId = randomUUID();
    const body: LandCallbackBody = {
      EventId,
      hoSoId: d.hoSoId,
      MaHoSoMotCua: d.MaHoSoMotCua,
      ThoiDiem,
      ...fields,
    };
    this.store.setStatus(d, status, ThoiDiem, action.Operation, EventId);
    d.eventIds.push(EventId);
    const event: LandEvent = {
      EventId,
      Operation: action.Operation,
      hoSoId: d.hoSoId,
      MaHoSoMotCua: d.MaHoSoMotCua,
      ThoiDiem,
      body,
      json: JSON.stringify(body),
      sent: false,
      attempts: 0,
      delivered: 0,
    };
    this.events.push(event);
    this.count.eventsCreated += 1;
    return event;
  }

  /** Hands events to the emitter as one batch; without a callback target they stay unsent. */
  private dispatch(events: LandEvent[]): void {
    if (!this.target || this.closing || events.length === 0) return;
    for (const e of events) e.sent = true;
    this.emitter.emit(events);
  }

  private async send(e: LandEvent): Promise<boolean> {
    const target = this.target;
    if (!target || this.closing) return false;
    const url = `${target.callbackBase}/${target.securityCode}/${e.Operation}`;
    const attempt: DeliveryAttempt = {
      seq: ++this.deliverySeq,
      EventId: e.EventId,
      Operation: e.Operation,
      hoSoId: e.hoSoId,
      url,
    };
    this.deliveries.push(attempt);
    if (this.deliveries.length > MAX_DELIVERY_LOG) this.deliveries.shift();
    e.attempts += 1;
    try {
      const res = await this.http.request('POST', url, {
        body: e.json,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        timeoutMs: this.options.callbackTimeoutMs ?? 5_000,
      });
      attempt.status = res.status;
      e.lastStatus = res.status;
      const ok = res.status >= 200 && res.status < 300;
      if (ok) e.delivered += 1;
      return ok;
    } catch (err) {
      attempt.error = err instanceof Error ? err.message : String(err);
      e.lastError = attempt.error;
      return false;
    }
  }

  /** Files named by explicit URLs under `/api/motcua/tep/` are served too (a download must work). */
  private publishLinkedFiles(fields: Partial<LandCallbackBody>): void {
    const urls = [
      ...(fields.DanhSachThongBaoThue ?? []).map((n) => n.DuongDanThongBaoThue),
      ...(fields.GiayToKetQua ?? []).map((g) => g.DuongDan),
    ];
    for (const u of urls) {
      const m = /^\/api\/motcua\/tep\/([^/]+)$/.exec(new URL(u).pathname);
      if (!m?.[1]) continue;
      let name: string;
      try {
        name = decodeURIComponent(m[1]);
      } catch {
        continue;
      }
      if (!this.files.get(name)) this.files.put(name);
    }
  }

  private fileUrl(name: string): string {
    const base = this.options.publicBaseUrl ?? this.url ?? 'http://localhost:8082';
    return `${base}/api/motcua/tep/${encodeURIComponent(name)}`;
  }

  /** Background download of the attachments, without authentication (land.md §3.1). */
  private downloadAttachments(d: LandDossier): void {
    for (const tep of d.request.TepDinhKem) {
      const rec = {
        TenTep: tep.TenTep,
        DuongDan: tep.DuongDan,
        state: 'pending' as 'pending' | 'ok' | 'failed',
      };
      d.attachments.push(rec);
      const p = this.http
        .request('GET', tep.DuongDan, {
          timeoutMs: this.options.downloadTimeoutMs ?? 5_000,
          maxBytes: 50 * 1024 * 1024,
        })
        .then(
          (res) => {
            Object.assign(rec, {
              state: res.status >= 200 && res.status < 300 ? 'ok' : 'failed',
              httpStatus: res.status,
              bytes: res.body.length,
            });
          },
          (err: unknown) => {
            Object.assign(rec, { state: 'failed', error: err instanceof Error ? err.message : String(err) });
          },
        )
        .finally(() => this.downloads.delete(p));
      this.downloads.add(p);
    }
  }
}
