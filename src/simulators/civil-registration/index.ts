import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { FaultInjector, seededRandom } from '../fault-injector.js';
import type { FaultCounts, FaultSettings } from '../fault-injector.js';
import { listen } from '../http-harness.js';
import type { Listening } from '../http-harness.js';
import { apiRouter } from './api-routes.js';
import { controlRouter, faultPatchProblem } from './control-routes.js';
import { DossierStore } from './dossier-store.js';
import { RateLimiter } from './rate-limiter.js';
import { TokenStore } from './token-store.js';
import type {
  CivilCounters,
  CivilFaultSettings,
  CivilRegistrationSimulatorOptions,
  DossierRecord,
  StatusExtra,
} from './types.js';

export type * from './types.js';
export { StatusChangeError, PAGE_SIZE } from './dossier-store.js';

/** What `GET /__sim/state` answers. */
export interface CivilRegistrationState {
  counters: CivilCounters;
  faults: FaultSettings;
  faultCounts: FaultCounts;
  civilFaults: CivilFaultSettings;
  activeTokens: number;
  now: string;
  records: DossierRecord[];
}

export interface CivilRegistrationSimulator {
  /** Listens on 127.0.0.1 (port 0: a free one); resolves the base URL without trailing slash. */
  start(port?: number): Promise<string>;
  /** Stops listening, releases hanging connections. */
  close(): Promise<void>;
  /** Base URL once started. */
  readonly url: string | undefined;
  /** The Express app (e.g. for supertest). */
  readonly app: Express;
  /** Generic faults: latency, outage, 5xx, injected 429, after-commit timeout/drop. */
  readonly faults: FaultInjector;
  /** Protocol faults (busy, rate limit, token lifetime); mutate through `setFaults` or directly. */
  readonly civilFaults: CivilFaultSettings;
  /** Merges a patch into the generic and/or protocol fault settings (throws on an unknown key). */
  setFaults(patch: Partial<FaultSettings & CivilFaultSettings>): {
    faults: FaultSettings;
    civilFaults: CivilFaultSettings;
  };
  /** Moves a dossier to `trangThai` and sets `ngayCapNhat` (clock, or `extra.at`). */
  setStatus(maHoSo: string, trangThai: number, extra?: StatusExtra): DossierRecord;
  /** Every token issued so far becomes expired; returns how many were still valid. */
  expireTokens(): number;
  /** The next `n` calls of `on` (default `NhanDKHT`) answer `maLoi` 9. */
  busyNext(n: number, on?: 'NhanDKHT' | 'LayKetQua'): void;
  /** Records held for a dossier code, over all clients (stays 1 however often it is sent). */
  entries(maHoSo: string): number;
  /** The record of a dossier (the first client's when `clientId` is omitted). */
  record(maHoSo: string, clientId?: string): DossierRecord | undefined;
  records(): DossierRecord[];
  /** A snapshot of the counters. */
  readonly counters: CivilCounters;
  state(): CivilRegistrationState;
  /** Pins the simulated wall clock (`null` releases it). */
  setTime(now: Date | null): void;
  /** Moves the simulated wall clock forward (or back, negative). */
  advanceTime(ms: number): void;
  /** Forgets records, tokens and counters; faults back to the start options. */
  reset(): void;
}

const emptyCounters = (): CivilCounters => ({
  tokenRequests: 0,
  tokensIssued: 0,
  nhanDKHTCalls: 0,
  nhanDKHTResults: { '0': 0, '1': 0, '2': 0, '9': 0 },
  layKetQuaCalls: 0,
  layKetQuaSingle: 0,
  layKetQuaWindow: 0,
  unauthorized: 0,
  rateLimited: 0,
  records: 0,
});

/**
 * An in-memory HTTP server behaving like the Ministry of Justice civil registration system
 * (civil-registration.md v1.6): OAuth token, `NhanDKHT` (XML, idempotent on `maHoSo`), `LayKetQua`
 * by dossier or by time window, Bearer auth, 10 requests/s per client, plus `/__sim/*` controls.
 */
export function createCivilRegistrationSimulator(
  options: CivilRegistrationSimulatorOptions = {},
): CivilRegistrationSimulator {
  const seed = options.seed ?? 1;
  const clients = new Map<string, string>([
    [options.clientId ?? 'motcua_h40', options.clientSecret ?? 'Example-Secret-H40'],
  ]);
  for (const c of options.clients ?? []) clients.set(c.clientId, c.clientSecret);

  const initialCivil = (): CivilFaultSettings => ({
    busyNext: 0,
    busyLookupNext: 0,
    busyRate: 0,
    busy: false,
    rateLimitPerSecond: options.rateLimitPerSecond ?? 10,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 300,
    ...options.civilFaults,
  });
  const civil = initialCivil();
  const faults = new FaultInjector(seed);
  if (options.faults) faults.set(options.faults);

  const baseClock = options.clock ?? (() => new Date());
  let pinned: number | undefined;
  let offset = 0;
  const now = (): number => pinned ?? baseClock().getTime() + offset;

  const store = new DossierStore(seededRandom(seed + 1));
  const tokens = new TokenStore(seededRandom(seed + 2), now);
  const limiter = new RateLimiter(() => civil.rateLimitPerSecond);
  let counters = emptyCounters();
  const ctx = {
    store,
    tokens,
    limiter,
    faults,
    civil,
    get counters() {
      return counters;
    },
    clients,
    now,
    random: seededRandom(seed + 3),
  };

  const app = express();
  app.disable('x-powered-by');
  let listening: Listening | undefined;

  const setFaults = (patch: Partial<FaultSettings & CivilFaultSettings>) => {
    const problem = faultPatchProblem(patch);
    if (problem) throw new Error(problem);
    const generic: Partial<FaultSettings> = {};
    for (const [key, value] of Object.entries(patch)) {
      if (key in civil) (civil as unknown as Record<string, unknown>)[key] = value;
      else (generic as Record<string, unknown>)[key] = value;
    }
    faults.set(generic);
    return { faults: { ...faults.settings }, civilFaults: { ...civil } };
  };

  const sim: CivilRegistrationSimulator = {
    async start(port = 0) {
      if (listening) return listening.url;
      listening = await listen(app, port, '127.0.0.1', () => faults.releaseHanging());
      return listening.url;
    },
    async close() {
      faults.releaseHanging();
      const l = listening;
      listening = undefined;
      if (l) await l.close();
    },
    get url() {
      return listening?.url;
    },
    app,
    faults,
    civilFaults: civil,
    setFaults,
    setStatus: (maHoSo, trangThai, extra = {}) => store.setStatus(maHoSo, trangThai, extra, now()),
    expireTokens: () => tokens.expireAll(),
    busyNext(n, on = 'NhanDKHT') {
      if (on === 'LayKetQua') civil.busyLookupNext = n;
      else civil.busyNext = n;
    },
    entries: (maHoSo) => store.entries(maHoSo),
    record: (maHoSo, clientId) =>
      store.all().find((r) => r.maHoSo === maHoSo && (!clientId || r.clientId === clientId)),
    records: () => store.all(),
    get counters() {
      return structuredClone({ ...counters, records: store.size });
    },
    state: () => ({
      counters: sim.counters,
      faults: { ...faults.settings },
      faultCounts: { ...faults.counts },
      civilFaults: { ...civil },
      activeTokens: tokens.activeCount(),
      now: new Date(now()).toISOString(),
      records: structuredClone(store.all()),
    }),
    setTime(date) {
      pinned = date ? date.getTime() : undefined;
    },
    advanceTime(ms) {
      if (pinned !== undefined) pinned += ms;
      else offset += ms;
    },
    reset() {
      store.clear();
      tokens.clear();
      limiter.clear();
      counters = emptyCounters();
      faults.reset();
      if (options.faults) faults.set(options.faults);
      for (const k of Object.keys(faults.counts) as (keyof FaultCounts)[]) faults.counts[k] = 0;
      Object.assign(civil, initialCivil());
      pinned = undefined;
      offset = 0;
    },
  };

  app.use('/__sim', controlRouter(sim));
  app.use(apiRouter(ctx));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status =
      typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number'
        ? err.status
        : 500;
    if (!res.headersSent)
      res
        .status(status)
        .type('text/plain')
        .send(status === 500 ? 'internal error' : 'bad request');
  });
  return sim;
}
