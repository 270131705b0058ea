/**
 * Memory of the gateway's processes over many dossiers (issue 7): peak and steady RSS of a gateway in
 * mode 'api' and one in mode 'worker', and the growth from the first to the last quarter of the run,
 * beside a baseline measured in the same run.
 *
 *   npx tsx bench/memory.ts [--smoke] [--dossiers 100000] [--rate 1000] [--concurrency 32]
 *                           [--timeout 3600] [--no-transfer] [--no-reconciliation] [--tsx]
 *
 * Every process is a child of this one (this same file forked with `--role <name> <json>`), so each
 * RSS is a process's own: the parent is the load generator and reads `/proc/<pid>/status` VmRSS of
 * every child every 500 ms; the children report `process.memoryUsage().heapUsed` over IPC as often.
 * The measured children run a tsc build of this file under plain node, as the gateway is deployed
 * (`--tsx`: under tsx, ≈ 35 MB more per process).
 *
 * 1. Baseline: a bare express 5 app that parses the same JSON and adds one BullMQ job per request
 *    (the baseline of bench/intake.ts), and a bare BullMQ Worker (concurrency 16, no-op processor)
 *    consuming those jobs. N requests at the offered rate, until every job completed.
 * 2. Gateway: the simulators (land + portal: zero latency, no faults, rate limits off) in one child, a
 *    gateway in mode 'api' and one in mode 'worker' (land only, 16 workers per queue), each in its own
 *    child. N distinct dossiers (the spec's feed-land-tax.json under a new MaHoSo each, its
 *    appointment date 60 days ahead so none is overdue; MaTTHC 1.004227 → land) through `POST /v1/portal/feed` at the same offered rate, until every dossier is
 *    at the land registry and, unless `--no-transfer`, synced to the portal: the land office transfers
 *    each dossier as it arrives (ChuyenHoSo → callback to the api → portal sync by the worker:
 *    CapNhatTienDoHoSoMC, status '4'; the portal was given the dossier at its desk). Dossiers stay
 *    open (never finished), so Redis keeps every one of them (≈ 13–17 KB each).
 *
 * Baseline and gateway run one after the other, not at once (2 cores). A process's quarters are
 * quarters of its busy time, from the first request until its own work ended (api: the last answer,
 * or the last callback, i.e. the last delivery, with the land office acting; worker: the last
 * delivery and sync); its peak is over the whole phase. Every Redis key of the run's prefixes is
 * removed at the end, also on failure and on SIGINT.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Keys } from '../src/store/keys.js';
import {
  BENCH_ENV,
  FEED_KEY,
  LAND_KEY,
  PORTAL_PASSWORD,
  PORTAL_USER,
  REDIS_URL,
  SECURITY_CODE,
  benchPrefix,
  bodyMaker,
  childWaiter,
  codeMaker,
  cpuProfArgs,
  dropPrefixes,
  flag,
  fmt,
  landFeed,
  numArg,
  ratio,
  rawConfig,
  readSecretFile,
  type FeedEnvelope,
  type SystemUrls,
} from './common.js';

const FEED_PATH = '/v1/portal/feed';
const SAMPLE_MS = 500;
const WORKER_CONCURRENCY = 16; // rawConfig's default for the gateway's queues; the baseline worker's too
const FIRST_HO_SO_ID = 500_000; // the land simulator hands out hoSoIds from here, one by one
const TARGET_MB = 250;
const GROWTH_LIMIT_PCT = 10; // "no growth trend": the last quarter's mean at most 10 % above the first's
/** Redis bytes one open dossier costs with its ledger, message log and jobs (≈ 17 KB measured; margin). */
const REDIS_BYTES_PER_DOSSIER = 24 * 1024;
const MB = 1024 * 1024;
/** A phase with no open job and no new delivery for this long is stuck (e.g. every sync failed). */
const STALL_MS = 20_000;

type Role = 'base-api' | 'base-worker' | 'sims' | 'api' | 'worker';

interface ChildOptions {
  prefix: string;
  urls?: SystemUrls;
  transfer?: boolean;
  /** false: the gateway's scheduled reconciliation off (`--no-reconciliation`). */
  reconciliation?: boolean;
}

type ToChild =
  { type: 'stop' } | { type: 'ask'; id: number; final?: boolean } | { type: 'target'; url: string };
type FromChild =
  | { type: 'ready'; url?: string; urls?: SystemUrls }
  | { type: 'heap'; heapUsed: number }
  | { type: 'answer'; id: number; counts: Record<string, number>; note?: string; example?: string }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

type Answer = Omit<Extract<FromChild, { type: 'answer' }>, 'type' | 'id'>;

/**
 * The spec's land dossier with its appointment (NgayHenTra) 60 days from now. The spec's date,
 * 2025-11-19, may have passed on this machine's clock: every dossier would then be overdue on arrival
 * and get a second progress row ("Hồ sơ quá hạn giải quyết", the deadline scanner, 500 a minute),
 * which is not the steady flow this benchmark is about.
 */
function onTimeFeed(): FeedEnvelope {
  const env = landFeed();
  const d = new Date(Date.now() + 60 * 86_400_000);
  const p2 = (x: number): string => String(x).padStart(2, '0');
  env.data[0]!.NgayHenTra = `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}170000`;
  return env;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ================================================================== children

interface Running {
  url?: string;
  urls?: SystemUrls;
  /** `final`: also the checks too costly to run while the load goes on. */
  counts(final?: boolean): { counts: Record<string, number>; note?: string; example?: string };
  target?(url: string): void;
  stop(): Promise<void>;
}

function send(m: FromChild): void {
  if (process.connected) process.send?.(m);
}

function listen(app: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = http.createServer(app);
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

/** The baseline's intake: parse the JSON, add one BullMQ job (as in bench/intake.ts), 202. */
async function baseApi(o: ChildOptions): Promise<Running> {
  const express = (await import('express')).default;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue<{ MaHoSo: string; system: 'land' }>('deliver-land', {
    connection,
    prefix: `${o.prefix}-bull`,
  });
  const app = express();
  app.post(FEED_PATH, express.json({ limit: '1mb' }), async (req, res) => {
    const body = req.body as { data?: Array<{ MaHoSo?: string }> };
    const M = String(body.data?.[0]?.MaHoSo);
    // The retention of the gateway's delivery jobs, so both keep the same completed jobs in Redis.
    await queue.add(
      'deliver',
      { MaHoSo: M, system: 'land' },
      {
        jobId: `${M}~land~tiepnhan`,
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: false,
      },
    );
    res.status(202).json({ MaHoSo: M, duplicate: false });
  });
  const server = await listen(app);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ counts: {} }),
    async stop() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await queue.close();
      await connection.quit();
    },
  };
}

/** The baseline's worker: a bare BullMQ Worker whose processor does nothing. */
async function baseWorker(o: ChildOptions): Promise<Running> {
  const { Worker } = await import('bullmq');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  let completed = 0;
  let failed = 0;
  const worker = new Worker('deliver-land', async () => undefined, {
    connection,
    prefix: `${o.prefix}-bull`,
    concurrency: WORKER_CONCURRENCY,
  });
  worker.on('completed', () => (completed += 1));
  worker.on('failed', () => (failed += 1));
  await worker.waitUntilReady();
  return {
    counts: () => ({ counts: { completed, failed } }),
    async stop() {
      await worker.close();
      await connection.quit();
    },
  };
}

/** Land and portal simulators; the land office transfers each new dossier once (`transfer`). */
async function sims(o: ChildOptions): Promise<Running> {
  const { createLandSimulator } = await import('../src/simulators/land/index.js');
  const { createPortalSimulator } = await import('../src/simulators/portal/index.js');
  const land = createLandSimulator({
    apiKey: LAND_KEY,
    firstHoSoId: FIRST_HO_SO_ID,
    retryIntervalMs: 200,
    maxAttempts: 100,
    callbackTimeoutMs: 10_000,
    callbackMaxSockets: 16,
  });
  const portal = createPortalSimulator({
    username: PORTAL_USER,
    password: PORTAL_PASSWORD,
    feedKey: FEED_KEY,
    rateLimitPerSecond: 0,
  });
  const urls = { land: await land.start(), portal: await portal.start() };
  // The portal holds every dossier it fed (its desk received it): seeded when it reaches land,
  // before the land office acts, so the sync's CapNhatTienDoHoSoMC finds it.
  const record = onTimeFeed().data[0]!;
  const atLand = new Map<string, number>();
  let scanned = 0;
  let duplicates = 0;
  let transferred = 0;
  let targetSet = false;
  // Dossiers seeded at the portal and not yet seen with a progress row, oldest first.
  let unsynced: string[] = [];
  let synced = 0;
  let rowsSeen = -1;
  const hasRow = (M: string): boolean => (portal.dossier(M)?.DanhSachTienDo.length ?? 0) > 0;
  // New land dossiers by hoSoId (handed out in order), so a look costs what arrived since the last.
  const scan = (): void => {
    const created = land.counters().dossiersCreated;
    while (scanned < created) {
      const d = land.store.get(FIRST_HO_SO_ID + scanned);
      scanned += 1;
      if (!d) continue;
      const seen = atLand.get(d.MaHoSoMotCua) ?? 0;
      atLand.set(d.MaHoSoMotCua, seen + 1);
      if (seen > 0) duplicates += 1;
      else if (o.transfer && targetSet) {
        portal.seed({ ...structuredClone(record), MaHoSo: d.MaHoSoMotCua });
        unsynced.push(d.MaHoSoMotCua);
        land.transfer(d.hoSoId, {
          BuocXuLy: 'Thẩm định hồ sơ',
          PhongBan: 'Phòng Đăng ký',
          NguoiXuLy: 'Trần Thị Mai',
        });
        transferred += 1;
      }
    }
  };
  /**
   * Which dossiers have their progress row at the portal. portal.dossier() deep-copies a record, so
   * only when rows arrived, and from the oldest waiting dossier until 64 in a row have none (syncs
   * finish roughly in order); `final`: every dossier, and how many got more than one row.
   */
  const syncCheck = (final: boolean): { extra: number; example?: string; code?: string } => {
    const rows = portal.counters().progressRows;
    if (rows !== rowsSeen || final) {
      rowsSeen = rows;
      const keep: string[] = [];
      let misses = 0;
      for (const M of unsynced) {
        if (!final && misses >= 64) keep.push(M);
        else if (hasRow(M)) {
          synced += 1;
          misses = 0;
        } else {
          keep.push(M);
          misses += 1;
        }
      }
      unsynced = keep;
    }
    if (!final) return { extra: 0 };
    let extra = 0;
    let example: string | undefined;
    let code: string | undefined;
    for (const M of atLand.keys()) {
      const list = portal.dossier(M)?.DanhSachTienDo ?? [];
      if (list.length > 1) {
        extra += 1;
        code ??= M;
        example ??= `${M}: ${list.length} rows ${JSON.stringify(list.map((r) => [r.TrangThai, r.ThoiDiemXuLy ?? '']))}`;
      }
    }
    return { extra, ...(example ? { example } : {}), ...(code ? { code } : {}) };
  };
  const timer = setInterval(scan, 100);
  return {
    urls,
    counts(final = false) {
      scan();
      const sc = o.transfer ? syncCheck(final) : { extra: 0 };
      const l = land.counters();
      const p = portal.counters();
      const portalRefused = Object.entries(p.byErrorCode)
        .filter(([code]) => code !== '0')
        .reduce((s, [, v]) => s + v, 0);
      const counts = {
        landCreated: l.dossiersCreated,
        landDistinct: atLand.size,
        landDuplicates: duplicates,
        landInvalid: l.invalid + l.unauthorized,
        transferred,
        callbacksDelivered: l.callbacks.delivered,
        callbacksDropped: l.callbacks.dropped,
        callbackAttempts: l.callbacks.attempts,
        portalCreated: p.created,
        portalReplaced: p.replaced,
        portalRows: p.progressRows,
        portalRequests: p.requests,
        portalRefused,
        portalDongBo: p.byService.DongBoHoSoMC ?? 0,
        portalTienDo: p.byService.CapNhatTienDoHoSoMC ?? 0,
        synced,
        dossiersWithExtraRows: sc.extra,
      };
      return {
        counts,
        ...(sc.example ? { note: `e.g. ${sc.example}` } : {}),
        ...(sc.code ? { example: sc.code } : {}),
      };
    },
    target(url) {
      land.setCallbackTarget(url, SECURITY_CODE);
      targetSet = true;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all([land.close(), portal.close()]);
    },
  };
}

/** A gateway in mode 'api' or 'worker', as `src/cli.ts` starts it (logs silent). */
async function gateway(mode: 'api' | 'worker', o: ChildOptions): Promise<Running> {
  const { parseConfig } = await import('../src/config/config.js');
  const { Gateway } = await import('../src/gateway.js');
  const raw = rawConfig({ prefix: o.prefix, urls: o.urls! });
  if (o.reconciliation === false) raw.reconciliation = { enabled: false };
  const config = parseConfig(raw, {
    env: BENCH_ENV,
    readFile: readSecretFile,
  });
  const gw = new Gateway(config, mode);
  await gw.start();
  return { ...(gw.url ? { url: gw.url } : {}), counts: () => ({ counts: {} }), stop: () => gw.stop() };
}

async function runChild(role: Role, o: ChildOptions): Promise<void> {
  process.on('SIGINT', () => undefined); // a ^C reaches the whole group: the parent stops its children
  const heap = setInterval(() => send({ type: 'heap', heapUsed: process.memoryUsage().heapUsed }), SAMPLE_MS);
  let running: Running | null = null;
  let stopping = false;
  const stop = async (orphaned: boolean): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(heap);
    await running?.stop().catch(() => undefined);
    // Parent gone without stopping us: nobody else will remove this prefix's keys.
    if (orphaned) await dropPrefixes([o.prefix]).catch(() => undefined);
    if (process.connected) process.send?.({ type: 'stopped' } satisfies FromChild, () => process.exit(0));
    else process.exit(0);
  };
  process.on('message', (m: ToChild) => {
    if (m.type === 'stop') void stop(false);
    else if (m.type === 'ask' && running) send({ type: 'answer', id: m.id, ...running.counts(m.final) });
    else if (m.type === 'target') running?.target?.(m.url);
  });
  process.on('disconnect', () => void stop(true));
  try {
    running =
      role === 'base-api'
        ? await baseApi(o)
        : role === 'base-worker'
          ? await baseWorker(o)
          : role === 'sims'
            ? await sims(o)
            : await gateway(role, o);
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (process.connected) send({ type: 'error', message });
    else console.error(`${role}: ${message}`);
    await dropPrefixes([o.prefix]).catch(() => undefined);
    process.exit(1); // a failed start may leave servers open: nothing else would end this child
  }
  send({
    type: 'ready',
    ...(running.url ? { url: running.url } : {}),
    ...(running.urls ? { urls: running.urls } : {}),
  });
}

// ================================================================== parent: processes and samples

const SELF = fileURLToPath(import.meta.url);
const REPO = fileURLToPath(new URL('..', import.meta.url));

/**
 * How the children run. The measured ones (gateway and baseline) run a tsc build of this file and
 * what it imports under plain `node`, as the gateway is deployed (`node dist/src/cli.js`, see
 * docker/Dockerfile): tsx's loader costs every process ≈ 35 MB of RSS of its own. `--tsx` runs them
 * under tsx instead. The simulators always run under tsx (they read the spec's examples by a path
 * relative to the source; they are not judged).
 */
interface Launch {
  script: string;
  execArgv: string[];
}
const TSX: Launch = { script: SELF, execArgv: process.execArgv };

/**
 * Compiles bench/memory.ts and everything it imports (tsc, the project's tsconfig) into a directory
 * of this run under node_modules/.cache. `schemas` beside the output, as `dist/` has the repo's:
 * config.ts reads the config schema at `../../../schemas` from `dist/src/config/`.
 */
async function compile(dir: string): Promise<{ launch: Launch; seconds: number; warning?: string }> {
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(REPO, 'schemas'), join(dir, 'schemas'));
  const tsconfig = {
    extends: join(REPO, 'tsconfig.json'),
    compilerOptions: { noEmit: false, outDir: join(dir, 'dist'), rootDir: REPO, sourceMap: false },
    files: [SELF],
    include: [],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  // tsc still emits when others' work in progress does not type-check; only a missing output fails.
  const out = await new Promise<string>((resolve) =>
    execFile(
      process.execPath,
      [tsc, '-p', join(dir, 'tsconfig.json')],
      { timeout: 300_000, maxBuffer: 16 * MB },
      (err, stdout) => resolve(err ? `${stdout}`.trim() || err.message : ''),
    ),
  );
  const script = join(dir, 'dist', 'bench', 'memory.js');
  if (!existsSync(script)) throw new Error(`tsc did not build ${script}: ${out.slice(0, 2000)}`);
  return {
    launch: { script, execArgv: [] },
    seconds: (performance.now() - t0) / 1000,
    ...(out ? { warning: out.split('\n')[0] } : {}),
  };
}

const procs = new Set<Proc>();

/** A forked child, its RSS samples (from /proc) and heapUsed samples (over IPC). */
class Proc {
  readonly child: ChildProcess;
  readonly rss: Array<[number, number]> = [];
  readonly heap: Array<[number, number]> = [];
  readonly exited: Promise<void>;
  alive = true;
  /** Exit code or signal, once exited. */
  exitedWith: string | null = null;
  private asked = 0;
  private readonly answers = new Map<number, (a: Answer) => void>();

  constructor(
    readonly role: Role,
    opts: ChildOptions,
    launch: Launch,
  ) {
    const gatewayChild = role === 'api' || role === 'worker';
    this.child = fork(launch.script, ['--role', role, JSON.stringify(opts)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The simulators keep every dossier in memory (not judged): room for 100,000 of them.
      execArgv: [
        ...launch.execArgv,
        ...(gatewayChild ? cpuProfArgs() : []),
        ...(role === 'sims' ? ['--max-old-space-size=8192'] : []),
      ],
    });
    procs.add(this);
    this.exited = new Promise((r) =>
      this.child.once('exit', (code, signal) => {
        this.alive = false;
        this.exitedWith = signal ?? String(code);
        procs.delete(this);
        r();
      }),
    );
    this.child.on('message', (m: FromChild) => {
      if (m.type === 'heap') this.heap.push([performance.now(), m.heapUsed]);
      else if (m.type === 'answer') {
        this.answers.get(m.id)?.(m);
        this.answers.delete(m.id);
      }
    });
  }

  /** VmRSS of the child, read by the parent (so a busy child's event loop cannot delay it). */
  sample(now: number): void {
    if (!this.alive || this.child.pid === undefined) return;
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status);
      if (kb) this.rss.push([now, Number(kb[1]) * 1024]);
    } catch {
      // the process is going away
    }
  }

  lastRss(): number {
    return this.rss.at(-1)?.[1] ?? 0;
  }

  /** The first IPC message of a type (rejects on an 'error' message, the child's exit or the timeout). */
  wait<T extends FromChild['type']>(type: T, ms: number): Promise<Extract<FromChild, { type: T }>> {
    return childWaiter<FromChild>(`${this.role} child`)(this.child, type, ms);
  }

  send(m: ToChild): void {
    if (this.child.connected) this.child.send(m);
  }

  /** The child's counters (see `Running.counts`); rejects when it does not answer in time. */
  ask(final = false, ms = 15_000): Promise<Answer> {
    const id = (this.asked += 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answers.delete(id);
        reject(new Error(`${this.role} child: no answer within ${ms} ms`));
      }, ms);
      this.answers.set(id, (c) => {
        clearTimeout(timer);
        resolve(c);
      });
      this.send({ type: 'ask', id, final });
    });
  }

  /** Graceful stop ('stop' over IPC), then SIGKILL if it has not exited within `ms`. */
  async stop(ms = 15_000): Promise<void> {
    if (!this.alive) return;
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(timer);
  }
}

async function start(
  role: Role,
  opts: ChildOptions,
  launch: Launch,
): Promise<{ proc: Proc; ready: FromChild & { type: 'ready' } }> {
  const proc = new Proc(role, opts, launch);
  return { proc, ready: await proc.wait('ready', 60_000) };
}

// ------------------------------------------------------------------ figures

interface MemFigures {
  idle: number;
  peak: number;
  steady: number;
  quarters: number[];
  growth: number;
  growthPct: number;
  heapQuarters: number[];
  samples: number;
  windowS: number;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Samples of [t0, t1] by quarter of that time. */
function quarters(series: Array<[number, number]>, t0: number, t1: number): number[][] {
  const q: number[][] = [[], [], [], []];
  const span = Math.max(1, t1 - t0);
  for (const [t, v] of series) {
    if (t < t0 || t > t1) continue;
    q[Math.min(3, Math.floor((4 * (t - t0)) / span))]!.push(v);
  }
  return q;
}

/**
 * A process's figures: quarters, steady and growth over its busy window [t0, t1] (from the first
 * request until its own work ended); the peak over the whole phase [t0, end].
 */
function figures(p: Proc, t0: number, t1: number, end: number): MemFigures {
  const q = quarters(p.rss, t0, t1);
  const all = p.rss.filter(([t]) => t >= t0 && t <= end).map(([, v]) => v);
  const means = q.map(mean);
  const growth = means[3]! - means[0]!;
  const before = p.rss.filter(([t]) => t < t0);
  return {
    idle: before.at(-1)?.[1] ?? 0,
    peak: all.reduce((a, b) => Math.max(a, b), 0),
    steady: median(q[3]!),
    quarters: means,
    growth,
    growthPct: means[0]! > 0 ? (100 * growth) / means[0]! : 0,
    heapQuarters: quarters(p.heap, t0, t1).map(mean),
    samples: q.flat().length,
    windowS: (t1 - t0) / 1000,
  };
}

const mb = (bytes: number, digits = 1): string => fmt(bytes / MB, digits);
const signed = (x: number, digits = 1): string => `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x), digits)}`;

function memLine(label: string, f: MemFigures): string {
  return (
    `${label.padEnd(58)}: RSS peak ${mb(f.peak).padStart(6)} MB  steady ${mb(f.steady).padStart(6)} MB  ` +
    `quarters ${f.quarters.map((x) => mb(x)).join('/')} MB  growth Q1→Q4 ${signed(f.growth / MB)} MB ` +
    `(${signed(f.growthPct)}%)  heapUsed Q1→Q4 ${mb(f.heapQuarters[0]!)}→${mb(f.heapQuarters[3]!)} MB  ` +
    `(idle before load ${mb(f.idle)} MB; quarters of ${fmt(f.windowS, 1)} s, ${f.samples} samples)`
  );
}

// ------------------------------------------------------------------ the load

interface LoadResult {
  sent: number;
  answered: number;
  accepted: number;
  other: Map<number, number>;
  errors: number;
  retries: number;
  ms: number;
  p50: number;
  p99: number;
  firstError?: string;
}

interface LoadProgress {
  sent: number;
  answered: number;
}

/**
 * N POSTs at an offered rate (request i is due at i/rate s), never more than `concurrency` in flight,
 * over keep-alive connections. A request that failed on a reused socket before any answer (the server
 * closed an idle connection as it was reused) is sent again; the feed is idempotent per MaHoSo.
 */
function drive(
  url: string,
  n: number,
  rate: number,
  concurrency: number,
  nextBody: () => string,
  progress: LoadProgress,
): Promise<LoadResult> {
  const port = Number(new URL(url).port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latency = new Float64Array(n);
  const r: LoadResult = {
    sent: 0,
    answered: 0,
    accepted: 0,
    other: new Map(),
    errors: 0,
    retries: 0,
    ms: 0,
    p50: 0,
    p99: 0,
  };
  let inflight = 0;
  let timer: NodeJS.Timeout | null = null;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const complete = (i: number, started: number, status: number): void => {
      inflight -= 1;
      r.answered += 1;
      progress.answered = r.answered;
      latency[i] = performance.now() - started;
      if (status === 202) r.accepted += 1;
      else if (status > 0) r.other.set(status, (r.other.get(status) ?? 0) + 1);
      if (r.answered === n) {
        r.ms = performance.now() - t0;
        agent.destroy();
        const sorted = latency.sort();
        r.p50 = sorted[Math.floor(n * 0.5)] ?? 0;
        r.p99 = sorted[Math.min(n - 1, Math.floor(n * 0.99))] ?? 0;
        resolve(r);
      } else pump();
    };
    const post = (i: number, body: string, attempt: number, started: number): void => {
      let settled = false;
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          path: FEED_PATH,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-motcua-key': FEED_KEY,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (settled) return;
            settled = true;
            complete(i, started, res.statusCode ?? 0);
          });
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        if (req.reusedSocket && attempt < 3 && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          r.retries += 1;
          post(i, body, attempt + 1, started);
          return;
        }
        r.errors += 1;
        r.firstError ??= `${err.code ?? ''} ${err.message}`.trim();
        complete(i, started, -1);
      });
      req.end(body);
    };
    const pump = (): void => {
      if (timer) clearTimeout(timer);
      timer = null;
      const due = rate > 0 ? Math.min(n, Math.floor(((performance.now() - t0) * rate) / 1000) + 1) : n;
      while (r.sent < due && inflight < concurrency) {
        const i = r.sent;
        r.sent += 1;
        progress.sent = r.sent;
        inflight += 1;
        post(i, nextBody(), 0, performance.now());
      }
      if (r.sent < n && inflight < concurrency) {
        const at = t0 + (r.sent * 1000) / rate;
        timer = setTimeout(pump, Math.max(0, at - performance.now()));
      }
    };
    pump();
  });
}

// ------------------------------------------------------------------ Redis

interface RedisMemory {
  used: number;
  max: number;
  policy: string;
}

async function redisMemory(r: Redis): Promise<RedisMemory> {
  const info = await r.info('memory');
  const field = (name: string): string => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
  return {
    used: Number(field('used_memory')),
    max: Number(field('maxmemory')),
    policy: field('maxmemory_policy'),
  };
}

/** MEMORY USAGE summed over every key of a prefix (`p:*` and BullMQ's `p-bull:*`). */
async function keyBytes(r: Redis, prefix: string): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  for (const pattern of [`${prefix}:*`, `${prefix}-bull:*`]) {
    let cursor = '0';
    do {
      const [next, found] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (found.length === 0) continue;
      const pipe = r.pipeline();
      for (const k of found) pipe.memory('USAGE', k);
      for (const [, v] of (await pipe.exec()) ?? []) bytes += Number(v ?? 0);
      keys += found.length;
    } while (cursor !== '0');
  }
  return { keys, bytes };
}

/** Jobs not yet done (waiting, prioritized, delayed, active) and failed, per queue. */
async function backlog(queues: readonly Queue[]): Promise<{ open: Record<string, number>; failed: number }> {
  const open: Record<string, number> = {};
  let failed = 0;
  for (const q of queues) {
    const c = await q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed');
    open[q.name] = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.active ?? 0);
    failed += c.failed ?? 0;
  }
  return { open, failed };
}

// ------------------------------------------------------------------ a phase

interface PhaseResult {
  load: LoadResult;
  t0: number;
  loadEnd: number;
  /** When every dossier was delivered (at land / job completed), and when the phase was done. */
  deliveredAt: number;
  doneAt: number;
  backlogAtLoadEnd: number;
  maxBacklog: number;
  deliveredAtLoadEnd: number;
  failedJobs: number;
  last: Record<string, number>;
}

interface PhaseSpec {
  name: 'baseline' | 'gateway';
  url: string;
  queues: Queue[];
  /** Dossiers delivered (and, for the gateway, synced) so far, and whether the phase is done. */
  progress(): Promise<{ delivered: number; synced: number; done: boolean; counts: Record<string, number> }>;
  watched: Proc[];
}

/** N requests at the offered rate, then until the phase's work is done (bounded by `deadline`). */
async function runPhase(
  spec: PhaseSpec,
  n: number,
  rate: number,
  concurrency: number,
  deadline: number,
  verbose: boolean,
): Promise<PhaseResult> {
  const nextBody = bodyMaker(onTimeFeed(), codeMaker(spec.name === 'baseline' ? 'MB' : 'MG'));
  await sleep(2 * SAMPLE_MS + 100); // a few idle samples first
  const progress: LoadProgress = { sent: 0, answered: 0 };
  const t0 = performance.now();
  let loadEnd = 0;
  let load: LoadResult | null = null;
  void drive(spec.url, n, rate, concurrency, nextBody, progress).then((l) => {
    load = l;
    loadEnd = performance.now();
  });
  let maxBacklog = 0;
  let backlogAtLoadEnd = -1;
  let deliveredAtLoadEnd = -1;
  let deliveredAt = 0;
  let lastReport = t0;
  let moved = -1;
  let lastMove = t0;
  for (;;) {
    const [p, b] = await Promise.all([spec.progress(), backlog(spec.queues)]);
    const now = performance.now();
    const open = Object.values(b.open).reduce((a, x) => a + x, 0);
    maxBacklog = Math.max(maxBacklog, open);
    if (load && backlogAtLoadEnd < 0) {
      backlogAtLoadEnd = open;
      deliveredAtLoadEnd = p.delivered;
    }
    if (!deliveredAt && p.delivered >= n) deliveredAt = now;
    if (verbose && now - lastReport >= 60_000) {
      lastReport = now;
      console.error(
        `[memory] ${spec.name} ${fmt((now - t0) / 1000)} s: answered ${fmt(progress.answered)}/${fmt(n)}, ` +
          `delivered ${fmt(p.delivered)}${spec.name === 'gateway' ? `, synced ${fmt(p.synced)}` : ''}, open jobs ` +
          `${Object.entries(b.open)
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')}, RSS ${spec.watched.map((w) => `${w.role} ${mb(w.lastRss(), 0)} MB`).join(', ')}`,
      );
    }
    if (load && p.done && open === 0) {
      return {
        load,
        t0,
        loadEnd,
        deliveredAt: deliveredAt || now,
        doneAt: now,
        backlogAtLoadEnd,
        maxBacklog,
        deliveredAtLoadEnd,
        failedJobs: b.failed,
        last: p.counts,
      };
    }
    const state =
      `answered ${progress.answered}/${n}, delivered ${p.delivered}/${n}, open jobs ${JSON.stringify(b.open)}, ` +
      `failed jobs ${b.failed}, counters ${JSON.stringify(p.counts)}`;
    if (p.delivered + p.synced !== moved || open > 0 || !load) {
      moved = p.delivered + p.synced;
      lastMove = now;
    } else if (now - lastMove > STALL_MS) {
      throw new Error(`${spec.name}: stalled for ${STALL_MS / 1000} s (no open job, no progress): ${state}`);
    }
    const dead = spec.watched.find((w) => !w.alive);
    if (dead) throw new Error(`${spec.name}: the ${dead.role} process exited (${dead.exitedWith}): ${state}`);
    if (Date.now() > deadline) throw new Error(`${spec.name}: --timeout reached: ${state}`);
    await sleep(250);
  }
}

function loadLine(name: string, rate: number, ph: PhaseResult): string {
  const l = ph.load;
  const other = [...l.other].map(([s, c]) => `${s}×${fmt(c)}`).join(' ');
  return (
    `${name.padEnd(9)} load    : ${fmt(l.sent)} requests in ${fmt(l.ms / 1000, 1)} s ` +
    `(${fmt((1000 * l.answered) / l.ms)} req/s, offered ${rate > 0 ? fmt(rate) : 'unbounded'}), ` +
    `${fmt(l.accepted)} answered 202, other ${other || '0'}, errors ${l.errors}` +
    `${l.firstError ? ` (${l.firstError})` : ''}${l.retries ? `, resent ${l.retries}` : ''}, ` +
    `p50 ${fmt(l.p50, 1)} ms p99 ${fmt(l.p99, 1)} ms`
  );
}

/** Throughput of the worker side and the backlog it left: `what` says what was delivered. */
function workLine(name: string, n: number, ph: PhaseResult, what: string): string {
  const s = (t: number): string => `${fmt((t - ph.t0) / 1000, 1)} s`;
  const perS = (t: number): string => fmt((n * 1000) / Math.max(1, t - ph.t0));
  return (
    `${name.padEnd(9)} delivery: ${what}; all delivered ${s(ph.deliveredAt)} after the first request ` +
    `(${perS(ph.deliveredAt)}/s), all done ${s(ph.doneAt)} (${perS(ph.doneAt)}/s); at the last answer ` +
    `(${s(ph.loadEnd)}) ${fmt(Math.max(0, ph.deliveredAtLoadEnd))} delivered and ${fmt(Math.max(0, ph.backlogAtLoadEnd))} ` +
    `jobs open (max ${fmt(ph.maxBacklog)}), drained ${fmt((ph.doneAt - ph.loadEnd) / 1000, 1)} s later`
  );
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const smoke = flag('--smoke');
  const n = Math.max(1, Math.floor(numArg('--dossiers', smoke ? 2000 : 100_000)));
  const rate = numArg('--rate', smoke ? 250 : 1000);
  const concurrency = Math.max(1, Math.floor(numArg('--concurrency', 32)));
  const timeoutS = numArg('--timeout', smoke ? 90 : 3600);
  const transfer = !flag('--no-transfer');
  const reconciliation = !flag('--no-reconciliation');
  const underTsx = flag('--tsx');
  const buildDir = join(REPO, 'node_modules', '.cache', `lienthong-bench-memory-${process.pid}`);
  const basePrefix = benchPrefix('memory-base');
  const gwPrefix = benchPrefix('memory-gw');
  const prefixes = [basePrefix, gwPrefix];

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  let cleaned = false;
  let keysRemoved = 0;
  const cleanUp = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all([...procs].map((p) => p.stop(10_000)));
    rmSync(buildDir, { recursive: true, force: true });
    keysRemoved += await dropPrefixes(prefixes).catch((err: unknown) => {
      console.error(`redis clean-up failed: ${String(err)}`);
      return 0;
    });
  };
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${sig}: stopping the children and removing the run's Redis keys`);
      void cleanUp().finally(() => {
        console.error(`redis keys removed: ${fmt(keysRemoved)}`);
        redis.disconnect();
        process.exit(130);
      });
    });
  }
  const sampler = setInterval(() => {
    const now = performance.now();
    for (const p of procs) p.sample(now);
  }, SAMPLE_MS);

  const failures: string[] = [];
  try {
    // ---------------------------------------------------------------- room in Redis
    const before = await redisMemory(redis);
    const need = n * REDIS_BYTES_PER_DOSSIER;
    const free = os.freemem();
    if (before.policy !== 'noeviction')
      throw new Error(`Redis maxmemory-policy is "${before.policy}"; the gateway needs "noeviction"`);
    if (before.max > 0 && before.used + need > before.max)
      throw new Error(
        `Redis maxmemory ${mb(before.max)} MB would be exceeded: ${fmt(n)} open dossiers need ≈ ${mb(need)} MB ` +
          `(${fmt(REDIS_BYTES_PER_DOSSIER / 1024)} KB each) on top of the ${mb(before.used)} MB used. ` +
          `Run fewer --dossiers or raise maxmemory (redis-cli config set maxmemory …).`,
      );
    if (before.max === 0 && need > free * 0.7)
      throw new Error(
        `Redis has no maxmemory and the machine has ${mb(free)} MB free: ${fmt(n)} open dossiers need ≈ ` +
          `${mb(need)} MB in Redis. Run fewer --dossiers.`,
      );
    console.log(
      `memory: ${fmt(n)} dossiers (feed-land-tax.json, NgayHenTra in 60 days, MaTTHC 1.004227 → land only, ` +
        `every request a new MaHoSo), ` +
        `offered ${rate > 0 ? `${fmt(rate)} req/s` : 'as fast as possible'}, at most ${concurrency} in flight, keep-alive; ` +
        `RSS from /proc/<pid>/status every ${SAMPLE_MS} ms; ` +
        (transfer
          ? 'the land office transfers each dossier (callback → portal sync), none is finished'
          : 'no land office action (delivery only), dossiers stay open') +
        `; baseline first, then the gateway`,
    );
    let measured = TSX;
    if (underTsx) console.log('build: gateway and baseline processes run under tsx (--tsx)');
    else {
      const built = await compile(buildDir);
      measured = built.launch;
      console.log(
        `build: gateway and baseline processes run a tsc build under plain node, as deployed ` +
          `(${fmt(built.seconds, 1)} s to build${built.warning ? `; tsc said: ${built.warning}` : ''})`,
      );
    }
    // --timeout bounds the measurement (the build has a bound of its own).
    const deadline = Date.now() + timeoutS * 1000;
    console.log(
      `redis: used_memory ${mb(before.used)} MB before, maxmemory ${before.max > 0 ? `${mb(before.max)} MB` : 'none'} ` +
        `(${before.policy}), ≈ ${mb(need)} MB needed for ${fmt(n)} open dossiers: room enough`,
    );

    // ---------------------------------------------------------------- baseline
    const baseQueue = new Queue('deliver-land', { connection: redis, prefix: `${basePrefix}-bull` });
    const bw = await start('base-worker', { prefix: basePrefix }, measured);
    const ba = await start('base-api', { prefix: basePrefix }, measured);
    const base = await runPhase(
      {
        name: 'baseline',
        url: ba.ready.url!,
        queues: [baseQueue],
        watched: [ba.proc, bw.proc],
        async progress() {
          const { counts: c } = await bw.proc.ask();
          const completed = c.completed ?? 0;
          return { delivered: completed, synced: 0, done: completed + (c.failed ?? 0) >= n, counts: c };
        },
      },
      n,
      rate,
      concurrency,
      deadline,
      !smoke,
    );
    const baseApiF = figures(ba.proc, base.t0, base.loadEnd, base.doneAt);
    const baseWorkerF = figures(bw.proc, base.t0, base.doneAt, base.doneAt);
    const afterBase = await redisMemory(redis);
    await Promise.all([ba.proc.stop(), bw.proc.stop()]);
    await baseQueue.close();
    keysRemoved += await dropPrefixes([basePrefix]);

    console.log(loadLine('baseline', rate, base));
    console.log(
      workLine(
        'baseline',
        n,
        base,
        `${fmt(base.last.completed ?? 0)} jobs completed by the no-op worker, failed ${fmt(base.last.failed ?? 0)}`,
      ),
    );
    console.log(memLine('baseline  api     bare express 5 + JSON + 1 BullMQ add', baseApiF));
    console.log(memLine('baseline  worker  bare BullMQ Worker, no-op processor', baseWorkerF));

    // ---------------------------------------------------------------- gateway
    const gwBefore = await redisMemory(redis);
    const s = await start('sims', { prefix: gwPrefix, transfer }, TSX);
    const urls = s.ready.urls!;
    const [api, worker] = await Promise.all([
      start('api', { prefix: gwPrefix, urls, reconciliation }, measured),
      start('worker', { prefix: gwPrefix, urls, reconciliation }, measured),
    ]);
    s.proc.send({ type: 'target', url: `${api.ready.url!}/callbacks/land` });
    const gwQueues = ['deliver-land', 'portal-sync'].map(
      (name) => new Queue(name, { connection: redis, prefix: `${gwPrefix}-bull` }),
    );
    const gw = await runPhase(
      {
        name: 'gateway',
        url: api.ready.url!,
        queues: gwQueues,
        watched: [api.proc, worker.proc, s.proc],
        async progress() {
          const { counts: c } = await s.proc.ask();
          const atLand = c.landDistinct ?? 0;
          const synced = c.synced ?? 0;
          return { delivered: atLand, synced, done: atLand >= n && (!transfer || synced >= n), counts: c };
        },
      },
      n,
      rate,
      concurrency,
      deadline,
      !smoke,
    );
    // The api's work: the feed, then (with the land office acting) a callback per dossier delivered.
    const apiEnd = transfer ? Math.max(gw.loadEnd, gw.deliveredAt) : gw.loadEnd;
    const gwApiF = figures(api.proc, gw.t0, apiEnd, gw.doneAt);
    const gwWorkerF = figures(worker.proc, gw.t0, gw.doneAt, gw.doneAt);
    const simsF = figures(s.proc, gw.t0, gw.doneAt, gw.doneAt);
    await sleep(1000); // late duplicates, if any, would show in the counters
    const { counts: c, note, example } = await s.proc.ask(true, 120_000);
    // A dossier with a progress row too many: what the gateway recorded about it (its timeline).
    const timeline = example
      ? (await redis.lrange(new Keys(gwPrefix).timeline(example), 0, -1)).map((e) => {
          const x = JSON.parse(e) as { at?: string; type?: string; detail?: string; data?: unknown };
          return `${x.at ?? ''} ${x.type ?? ''}: ${x.detail ?? ''}${x.data ? ` ${JSON.stringify(x.data)}` : ''}`;
        })
      : [];
    const stored = await redis.zcard(`${gwPrefix}:idx:dossiers`);
    const afterGw = await redisMemory(redis);
    const own = await keyBytes(redis, gwPrefix);
    const finalBacklog = await backlog(gwQueues);
    await Promise.all(gwQueues.map((q) => q.close()));
    await Promise.all([api.proc.stop(), worker.proc.stop(), s.proc.stop()]);

    console.log(loadLine('gateway', rate, gw));
    console.log(
      workLine(
        'gateway',
        n,
        gw,
        `${fmt(c.landDistinct ?? 0)} dossiers at land (duplicates ${fmt(c.landDuplicates ?? 0)})` +
          (transfer
            ? `, transferred ${fmt(c.transferred ?? 0)}, callbacks delivered ${fmt(c.callbacksDelivered ?? 0)} ` +
              `(dropped ${fmt(c.callbacksDropped ?? 0)}), ${fmt(c.synced ?? 0)} synced to the portal ` +
              `(${fmt(c.portalRows ?? 0)} progress rows by CapNhatTienDoHoSoMC ×${fmt(c.portalTienDo ?? 0)}, ` +
              `DongBoHoSoMC ×${fmt(c.portalDongBo ?? 0)}, refused ${fmt(c.portalRefused ?? 0)}; ` +
              `dossiers with more than one row ${fmt(c.dossiersWithExtraRows ?? 0)}${note ? `, ${note}` : ''})`
            : ''),
      ),
    );
    if (timeline.length > 0)
      console.log(`gateway   timeline of ${example}:\n  ${timeline.slice(-16).join('\n  ')}`);
    console.log(
      memLine(`gateway   api     mode api (feed intake${transfer ? ' + land callbacks' : ''})`, gwApiF),
    );
    console.log(
      memLine(`gateway   worker  mode worker (deliver-land${transfer ? ' + portal-sync' : ''})`, gwWorkerF),
    );
    console.log(memLine('(simulators land + portal, one process; not judged)', simsF));
    console.log(
      `ratio gateway/baseline: api RSS peak ${ratio(gwApiF.peak, baseApiF.peak)}, steady ${ratio(gwApiF.steady, baseApiF.steady)}; ` +
        `worker RSS peak ${ratio(gwWorkerF.peak, baseWorkerF.peak)}, steady ${ratio(gwWorkerF.steady, baseWorkerF.steady)}; ` +
        `growth Q1→Q4 api ${signed(gwApiF.growthPct)}% vs ${signed(baseApiF.growthPct)}%, ` +
        `worker ${signed(gwWorkerF.growthPct)}% vs ${signed(baseWorkerF.growthPct)}%`,
    );
    console.log(
      `redis: used_memory ${mb(before.used)} MB before, ${mb(afterBase.used)} MB after the baseline, ` +
        `${mb(gwBefore.used)} MB before the gateway, ${mb(afterGw.used)} MB with its ${fmt(stored)} open dossiers ` +
        `stored (the whole server: other clients move it); MEMORY USAGE of the gateway's ${fmt(own.keys)} keys ` +
        `${mb(own.bytes)} MB = ${fmt(own.bytes / Math.max(1, n) / 1024, 1)} KB per dossier`,
    );
    const verdict = (name: string, f: MemFigures): string => {
      const ok = f.peak < TARGET_MB * MB && f.growthPct <= GROWTH_LIMIT_PCT;
      return `${name} ${ok ? 'met' : 'NOT met'} (peak ${mb(f.peak, 0)} MB, growth ${signed(f.growthPct)}%)`;
    };
    console.log(
      `verdict vs target (RSS < ${TARGET_MB} MB per process, last quarter at most ${GROWTH_LIMIT_PCT}% above the first): ` +
        `${verdict('api', gwApiF)}; ${verdict('worker', gwWorkerF)}` +
        (smoke ? ' — a smoke run: too short for these figures to mean anything' : ''),
    );

    // ---------------------------------------------------------------- correctness
    const check = (ok: boolean, what: string): void => {
      if (!ok) failures.push(what);
    };
    check(base.load.accepted === n, `baseline: ${base.load.accepted}/${n} answered 202`);
    check((base.last.completed ?? 0) === n, `baseline: ${base.last.completed ?? 0}/${n} jobs completed`);
    check(gw.load.accepted === n, `gateway: ${gw.load.accepted}/${n} answered 202`);
    check(stored === n, `gateway: ${stored}/${n} dossiers stored`);
    check((c.landDistinct ?? 0) === n, `gateway: ${c.landDistinct ?? 0}/${n} dossiers at land`);
    check((c.landDuplicates ?? 0) === 0, `gateway: ${c.landDuplicates ?? 0} duplicate land dossiers`);
    check((c.landInvalid ?? 0) === 0, `gateway: ${c.landInvalid ?? 0} land requests refused`);
    if (transfer) {
      check((c.synced ?? 0) === n, `gateway: ${c.synced ?? 0}/${n} dossiers synced to the portal`);
      check(
        (c.dossiersWithExtraRows ?? 0) === 0,
        `gateway: ${c.dossiersWithExtraRows ?? 0} dossiers with more than one progress row at the portal`,
      );
      check((c.callbacksDropped ?? 0) === 0, `gateway: ${c.callbacksDropped ?? 0} land callbacks dropped`);
    }
    check(finalBacklog.failed === 0, `gateway: ${finalBacklog.failed} failed jobs`);
  } catch (err) {
    if (interrupted) return;
    // Printed before the clean-up, so the reason comes right after the last figures.
    console.error(err instanceof Error ? err.message : err);
    failures.push('the run did not complete');
  } finally {
    clearInterval(sampler);
    if (!interrupted) {
      await cleanUp();
      const end = await redisMemory(redis).catch(() => null);
      console.log(
        `redis keys removed: ${fmt(keysRemoved)}` +
          (end ? `; used_memory after clean-up ${mb(end.used)} MB` : ''),
      );
      redis.disconnect();
    }
  }
  if (failures.length > 0) {
    console.error(`FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

const roleAt = process.argv.indexOf('--role');
if (roleAt >= 0) {
  void runChild(
    process.argv[roleAt + 1] as Role,
    JSON.parse(process.argv[roleAt + 2] ?? '{}') as ChildOptions,
  );
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
