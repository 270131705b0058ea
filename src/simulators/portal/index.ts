import express from 'express';
import { defaultFaults, FaultInjector, seededRandom } from '../fault-injector.js';
import type { FaultCounts, FaultSettings } from '../fault-injector.js';
import { listen, type Listening } from '../http-harness.js';
import { newCounters, type PortalContext } from './context.js';
import { controlRouter } from './control-routes.js';
import { DossierStore } from './dossier-store.js';
import { FeedPusher } from './feed-pusher.js';
import { filesHandler } from './files-route.js';
import { integrationHandler } from './integration-route.js';
import { loginHandler } from './login-route.js';
import { PortalDesk, type SeedOptions, type SupplementHandIn } from './portal-desk.js';
import { RateLimiter } from './rate-limiter.js';
import { RecordValidator } from './record-validator.js';
import { SessionStore } from './session-store.js';
import type {
  DossierRecord,
  DossierView,
  FeedDelivery,
  FeedFaults,
  FeedStats,
  PortalAccount,
  PortalCounters,
  PortalFaultPatch,
  PortalSimulatorOptions,
  ProgressRow,
  SessionFaults,
  StatusChange,
} from './types.js';

export type * from './types.js';
export type { SeedOptions, SupplementHandIn } from './portal-desk.js';

/** Fault switches and their effects, as returned in `state().faults`. */
export interface PortalFaultState {
  settings: FaultSettings;
  counts: FaultCounts;
  session: SessionFaults;
  feed: FeedFaults;
  rateLimitPerSecond: number;
}

/** Everything the simulator holds, as served by `GET /__sim/state`. */
export interface PortalState {
  url: string | undefined;
  counters: PortalCounters;
  faults: PortalFaultState;
  sessions: { issued: number; valid: number };
  feed: { url: string | undefined; stats: FeedStats; deliveries: FeedDelivery[] };
  dossiers: Record<string, DossierView>;
}

/**
 * In-memory one-stop portal (portal.md): the status-receiving API of §5 (`/auth/login`,
 * `/integration`), the dossier feed of §4 pushed to `feedUrl`, the lodged files of §3.2, and the
 * `/__sim` controls.
 */
export interface PortalSimulator {
  /** Starts listening on 127.0.0.1 (port 0 = any free port); returns the base URL. */
  start(port?: number): Promise<string>;
  /** Stops the server, releases hanging connections, aborts feed deliveries and clears timers. */
  close(): Promise<void>;
  readonly url: string | undefined;
  /** Shared transport faults (latency, 5xx, outage, injected 429, after-commit drop/hang). */
  readonly faults: FaultInjector;
  /** Applies a patch to the transport, session, feed and rate-limit switches. */
  setFaults(patch: PortalFaultPatch): void;
  resetFaults(): void;
  /** Invalidates every session (the next `/integration` answers "-1"); returns how many were valid. */
  expireAllSessions(): number;
  /** Forgets dossiers, sessions, counters, feed log and faults. */
  reset(): void;

  /** How many records the portal holds for the dossier code (0 or 1: the portal upserts). */
  entries(maHoSo: string): number;
  /** The stored record (a copy, specialist blocks included, without `DanhSachTienDo`). */
  record(maHoSo: string): DossierRecord | undefined;
  /** Progress rows of the dossier in the order applied (copies). */
  progress(maHoSo: string): ProgressRow[];
  /** Every status the dossier took, in order, from both services and the desk. */
  statusHistory(maHoSo: string): StatusChange[];
  /** `statusHistory` reduced to the status codes. */
  statuses(maHoSo: string): string[];
  /** Rows stored more than once (deep-equal), per dossier or for all. */
  duplicateProgressRows(maHoSo?: string): Array<{ maHoSo: string; row: ProgressRow; count: number }>;
  dossier(maHoSo: string): DossierView | undefined;
  counters(): PortalCounters;
  state(): PortalState;

  /** Sets the subscriber URL (and optionally the key) of the dossier feed. */
  setFeedTarget(url: string, key?: string): void;
  /** Stores a dossier as received at the desk (validated; throws when invalid or existing). */
  seed(record: DossierRecord, options?: SeedOptions): void;
  /** Pushes the current record; `isUpdating` defaults to "False" for the first version, "True" after. */
  push(maHoSo: string, options?: { isUpdating?: 'True' | 'False' }): Promise<FeedDelivery>;
  /** Re-pushes the last version of the dossier byte-identically. */
  redeliverLast(maHoSo: string): Promise<FeedDelivery>;
  /** Supplement handed in at the desk: entry completed, status "4", pushed. */
  handInSupplement(maHoSo: string, supplement: SupplementHandIn): Promise<FeedDelivery>;
  /** Result handed over: status "10", `NgayTra` set, pushed. */
  handOverResult(maHoSo: string, ngayTra: string): Promise<FeedDelivery>;
  /** Withdrawal at the desk: status "7", pushed. */
  withdraw(maHoSo: string): Promise<FeedDelivery>;
  /** Staff correction of any fields, pushed. */
  correct(maHoSo: string, patch: Record<string, unknown>): Promise<FeedDelivery>;
  feedDeliveries(maHoSo?: string): FeedDelivery[];
  /** Resolves when no feed version is queued or in delivery. */
  feedIdle(): Promise<void>;
  /**
   * Drift on purpose (reconciliation tests): removes the progress row at `index` (0 = oldest) as if
   * the portal had lost it; nothing is pushed. Returns the row removed.
   */
  removeProgressRow(maHoSo: string, index: number): ProgressRow;
  /** Drift on purpose: changes record fields (e.g. `TrangThaiHoSo`, `NgayHenTra`) without any push. */
  changeSilently(maHoSo: string, patch: Record<string, string>): void;
}

export function createPortalSimulator(options: PortalSimulatorOptions = {}): PortalSimulator {
  const seed = options.seed ?? 1;
  const random = seededRandom(seed * 7919 + 17);
  const main: PortalAccount = {
    username: options.username ?? 'lienthong_h40',
    password: options.password ?? 'Example-Passw0rd',
    units: options.units ?? ['H40.22'],
  };
  const accounts = new Map<string, PortalAccount>(
    [main, ...(options.extraAccounts ?? [])].map((a) => [a.username, { ...a, units: [...a.units] }]),
  );
  const rateLimitDefault = options.rateLimitPerSecond ?? 20;
  const faults = new FaultInjector(seed);
  const ctx: PortalContext = {
    store: new DossierStore(),
    validator: new RecordValidator(),
    sessions: new SessionStore(random, options.sessionTtlMs ?? 1_800_000),
    limiter: new RateLimiter(rateLimitDefault),
    faults,
    sessionFaults: { expireNext: 0 },
    counters: newCounters(),
    accounts,
  };
  const pusher = new FeedPusher({
    url: options.feedUrl,
    key: options.feedKey ?? '8d2f6a1c-feed-key-example',
    retryIntervalMs: options.feedRetryIntervalMs ?? 60_000,
    maxAttempts: options.feedMaxAttempts ?? 60,
    timeoutMs: options.feedTimeoutMs ?? 30_000,
    concurrency: options.feedConcurrency ?? 4,
    random,
  });
  let listening: Listening | undefined;
  const desk = new PortalDesk(
    ctx.store,
    ctx.validator,
    pusher,
    options.madonvi ?? main.units[0] ?? 'H40.22',
    () => listening?.url,
  );

  const view = (maHoSo: string): DossierView | undefined => {
    const e = ctx.store.get(maHoSo);
    return e ? ctx.store.view(e) : undefined;
  };

  const sim: PortalSimulator = {
    get url() {
      return listening?.url;
    },
    faults,
    async start(port = 0) {
      if (listening) throw new Error('portal simulator already started');
      listening = await listen(app, port, '127.0.0.1', () => faults.releaseHanging());
      return listening.url;
    },
    async close() {
      pusher.close();
      faults.releaseHanging();
      const l = listening;
      listening = undefined;
      if (l) await l.close();
    },
    setFaults(patch) {
      const { session, feed, rateLimitPerSecond, ...rest } = patch;
      // Only known transport switches (a typo in a `/__sim/faults` patch must not land in the settings).
      const known = defaultFaults();
      faults.set(
        Object.fromEntries(Object.entries(rest).filter(([k]) => k in known)) as Partial<FaultSettings>,
      );
      if (session) Object.assign(ctx.sessionFaults, session);
      if (feed) pusher.setFaults(feed);
      if (typeof rateLimitPerSecond === 'number') ctx.limiter.limit = rateLimitPerSecond;
    },
    resetFaults() {
      faults.reset();
      ctx.sessionFaults.expireNext = 0;
      pusher.setFaults({ duplicateNext: 0, duplicateRate: 0 });
      ctx.limiter.limit = rateLimitDefault;
    },
    expireAllSessions: () => ctx.sessions.expireAll(),
    reset() {
      sim.resetFaults();
      ctx.store.clear();
      ctx.sessions.clear();
      ctx.limiter.clear();
      ctx.counters = newCounters();
      pusher.clearLog();
    },
    entries: (maHoSo) => (ctx.store.get(maHoSo) ? 1 : 0),
    record: (maHoSo) => view(maHoSo)?.record,
    progress: (maHoSo) => view(maHoSo)?.DanhSachTienDo ?? [],
    statusHistory: (maHoSo) => view(maHoSo)?.statusHistory ?? [],
    statuses: (maHoSo) => (view(maHoSo)?.statusHistory ?? []).map((c) => c.status),
    duplicateProgressRows(maHoSo) {
      const out: Array<{ maHoSo: string; row: ProgressRow; count: number }> = [];
      for (const e of ctx.store.all()) {
        if (maHoSo !== undefined && e.maHoSo !== maHoSo) continue;
        const counts = new Map<string, { row: ProgressRow; count: number }>();
        for (const row of e.progress) {
          const key = JSON.stringify(row);
          const c = counts.get(key) ?? { row: structuredClone(row), count: 0 };
          c.count += 1;
          counts.set(key, c);
        }
        for (const c of counts.values()) if (c.count > 1) out.push({ maHoSo: e.maHoSo, ...c });
      }
      return out;
    },
    dossier: view,
    counters: () => structuredClone(ctx.counters),
    state() {
      const dossiers: Record<string, DossierView> = {};
      for (const e of ctx.store.all()) dossiers[e.maHoSo] = ctx.store.view(e);
      return {
        url: listening?.url,
        counters: structuredClone(ctx.counters),
        faults: {
          settings: { ...faults.settings },
          counts: { ...faults.counts },
          session: { ...ctx.sessionFaults },
          feed: { ...pusher.faults },
          rateLimitPerSecond: ctx.limiter.limit,
        },
        sessions: { issued: ctx.sessions.issued, valid: ctx.sessions.validCount() },
        feed: { url: pusher.url, stats: { ...pusher.stats }, deliveries: pusher.deliveries() },
        dossiers,
      };
    },
    setFeedTarget(url, key) {
      pusher.url = url;
      if (key !== undefined) pusher.key = key;
    },
    seed(record, seedOptions) {
      desk.seed(record, seedOptions);
    },
    push: async (maHoSo, o) => desk.push(maHoSo, o?.isUpdating).done,
    redeliverLast: async (maHoSo) => desk.redeliverLast(maHoSo).done,
    handInSupplement: async (maHoSo, s) => desk.handInSupplement(maHoSo, s).done,
    handOverResult: async (maHoSo, ngayTra) => desk.handOverResult(maHoSo, ngayTra).done,
    withdraw: async (maHoSo) => desk.withdraw(maHoSo).done,
    correct: async (maHoSo, patch) => desk.correct(maHoSo, patch).done,
    feedDeliveries: (maHoSo) => pusher.deliveries(maHoSo),
    feedIdle: () => pusher.idle(),
    removeProgressRow(maHoSo, index) {
      const e = ctx.store.get(maHoSo);
      const row = e?.progress[index];
      if (!e || !row) throw new Error(`no progress row ${index} for ${maHoSo}`);
      e.progress.splice(index, 1);
      return structuredClone(row);
    },
    changeSilently(maHoSo, patch) {
      const e = ctx.store.get(maHoSo);
      if (!e) throw new Error(`unknown dossier ${maHoSo}`);
      Object.assign(e.record, patch);
      if (patch.TrangThaiHoSo !== undefined) ctx.store.noteStatus(e, 'desk:correction');
    },
  };

  const app = express();
  app.disable('x-powered-by');
  const rawBody = express.raw({ type: () => true, limit: '10mb' });
  app.use('/__sim', controlRouter(sim, desk));
  app.get('/files/:maHoSo/:name', filesHandler(ctx));
  app.post('/auth/login', faults.before(), rawBody, loginHandler(ctx));
  app.post('/integration', faults.before(), rawBody, integrationHandler(ctx));
  return sim;
}
