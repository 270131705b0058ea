/**
 * Backlog drain (issue 7): N deliveries queued for the land registry while it is down, then it comes
 * back; seconds until every one is delivered, beside raw BullMQ draining a backlog of N no-op jobs
 * measured in the same run, and the ratio. Duplicates (land entries per dossier beyond 1) must be 0.
 *
 *   npx tsx bench/backlog-drain.ts [--smoke] [--deliveries 10000] [--timeout 180]
 *                                  [--outage 503|pause] [--down-for 5] [--workers 1]
 *
 * This process runs the land and portal simulators (zero latency, no faults, no rate limit), a
 * gateway in mode 'api' (intake, admin API) and the bench driver; it forks itself with `--worker`
 * for a gateway in mode 'worker' (the delivery workers, 16 per queue; `--workers 2` forks two) on
 * the same key prefix, so workers and intake do not share one event loop, as in a deployment.
 * `--timeout` bounds the baseline, the building of the backlog and the drain, each on its own.
 *
 * Outage (`--outage`):
 * - `503` (default), an unplanned outage: the land simulator's fault switch `down` answers every
 *   request 503 until it is switched back; nobody touches the gateway, whose breaker and retries
 *   must hold the backlog without spending the deliveries' attempts.
 * - `pause`, a planned maintenance window: an operator pauses the land queue through the admin API
 *   (`POST /admin/systems/land/pause`) before the window, the land system is down (503) meanwhile,
 *   and the operator resumes the queue (`POST /admin/systems/land/resume`) once land is back.
 *
 * N distinct dossiers (the spec's feed-land-tax.json under a new MaHoSo each; MaTTHC 1.004227 with
 * only land configured: one land `tiepnhan` delivery per dossier) are pushed to
 * `POST /v1/portal/feed`. Once all are stored and queued, land has entered none of them, and land
 * has stayed down `--down-for` seconds more, land comes back; the clock runs from that instant
 * until the gateway's delivery ledger shows all N delivered (`idx:dl:delivered`). Then the land
 * simulator's own store is counted: entries per dossier code (duplicates beyond 1, missing).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/config.js';
import { deliveryId } from '../src/domain/delivery.js';
import { Gateway } from '../src/gateway.js';
import { createLandSimulator } from '../src/simulators/land/index.js';
import { createPortalSimulator } from '../src/simulators/portal/index.js';
import type { Keys } from '../src/store/keys.js';
import {
  BENCH_ENV,
  FEED_KEY,
  LAND_KEY,
  PORTAL_PASSWORD,
  PORTAL_USER,
  REDIS_URL,
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
  redisCommandsProcessed,
  type SystemUrls,
} from './common.js';

const smoke = flag('--smoke');
const N = Math.max(1, Math.floor(numArg('--deliveries', smoke ? 200 : 10_000)));
const TIMEOUT_MS = numArg('--timeout', smoke ? 60 : 180) * 1000;
const DOWN_FOR_MS = numArg('--down-for', smoke ? 2 : 5) * 1000;
const CONCURRENCY = 16;
/** Gateway processes in mode 'worker' (a deployment scales out by adding them). */
const WORKER_PROCESSES = Math.max(1, Math.floor(numArg('--workers', 1)));
/** Feed requests in flight at once (the portal pushes several dossiers at a time). */
const PUSHERS = 16;
const TICK_MS = 50;
/** Shares of the backlog delivered whose times are printed (the shape of the drain). */
const MILESTONES = [0.5, 0.9, 0.99];
/** Target of issue 7 on the 2-core bench machine, for 10,000 deliveries. */
const TARGET_S = 20;
const FEED_PATH = '/v1/portal/feed';
const OPERATOR_TOKEN = 'bench-operator-token-backlog-0001';

type Outage = '503' | 'pause';
const OUTAGE: Outage = (() => {
  const i = process.argv.indexOf('--outage');
  const v = i < 0 ? '503' : process.argv[i + 1];
  if (v !== '503' && v !== 'pause') throw new Error('--outage: 503 (land refuses) or pause (admin pause)');
  return v;
})();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The bench's raw config: common.ts's, plus an operator (the admin API pauses and resumes the land
 * queue in `--outage pause`). Retries and breaker stay as common.ts sets them (8 attempts, backoff
 * 50–500 ms, breaker reset 1 s): the breaker, not the retry budget, is what must carry an outage.
 */
function benchConfig(prefix: string, urls: SystemUrls): Record<string, unknown> {
  const raw = rawConfig({ prefix, urls, concurrency: CONCURRENCY });
  raw.operators = [
    {
      name: 'bench-ops',
      tokenSha256: createHash('sha256').update(OPERATOR_TOKEN).digest('hex'),
      role: 'operator',
    },
  ];
  return raw;
}

function gatewayConfig(prefix: string, urls: SystemUrls) {
  return parseConfig(benchConfig(prefix, urls), { env: BENCH_ENV, readFile: readSecretFile });
}

// ------------------------------------------------------------------ child: the workers

type ToChild = { type: 'stop' };
type FromChild = { type: 'ready' } | { type: 'stopped' } | { type: 'error'; message: string };

function send(m: FromChild): void {
  if (process.connected) process.send?.(m);
}

async function serveWorkers(opts: { prefix: string; urls: SystemUrls }): Promise<void> {
  const gateway = new Gateway(gatewayConfig(opts.prefix, opts.urls), 'worker');
  await gateway.start();
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await gateway.stop();
    send({ type: 'stopped' });
    if (process.connected) process.disconnect();
  };
  process.on('message', (m: ToChild) => {
    if (m.type === 'stop') void stop();
  });
  process.on('disconnect', () => void stop()); // the parent went away: stop anyway
  send({ type: 'ready' });
}

const waitFor = childWaiter<FromChild>('worker child');

// ------------------------------------------------------------------ baseline: raw BullMQ backlog

/**
 * addBulk N no-op jobs while no worker runs (the backlog), then one Worker (concurrency 16) is
 * started: ms from its start until every job completed.
 */
async function bullmqBacklog(n: number): Promise<{ ms: number; redisCommands: number }> {
  const prefix = benchPrefix('drain-base');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix: `${prefix}-bull` });
  let worker: Worker | null = null;
  try {
    for (let i = 0; i < n; i += 1000) {
      const size = Math.min(1000, n - i);
      await queue.addBulk(Array.from({ length: size }, (_, j) => ({ name: 'noop', data: { i: i + j } })));
    }
    let completed = 0;
    let allDone: () => void = () => undefined;
    const finished = new Promise<void>((r) => (allDone = r));
    worker = new Worker('noop', async () => undefined, {
      connection,
      prefix: `${prefix}-bull`,
      concurrency: CONCURRENCY,
      autorun: false,
    });
    worker.on('completed', () => {
      completed += 1;
      if (completed === n) allDone();
    });
    await worker.waitUntilReady();
    const c0 = await redisCommandsProcessed();
    const t0 = performance.now();
    void worker.run();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`baseline: ${completed}/${n} jobs completed after ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const ms = performance.now() - t0;
    return { ms, redisCommands: (await redisCommandsProcessed()) - c0 };
  } finally {
    await worker?.close();
    await queue.close();
    await connection.quit();
    await dropPrefixes([prefix]);
  }
}

// ------------------------------------------------------------------ the gateway

interface GatewayFigures {
  intakeMs: number;
  /** From land's recovery to every delivery 'delivered' in the ledger. */
  drainMs: number;
  /** From land's recovery to the first land entry. */
  firstAtLandMs: number;
  delivered: number;
  dead: number;
  failed: number;
  duplicates: number;
  missing: number;
  drainCommands: number;
  /** Redis commands per second while land was down and the backlog complete (the holding cost). */
  holdCommandsPerSecond: number;
  refusedWhileDown: number;
  breakerAtRecovery: string;
  tiepnhanAfter: number;
  lookupsAfter: number;
  stateAtRecovery: Record<string, number>;
  inflightAtRecovery: number;
  /** ms from recovery until a share of the N deliveries was delivered. */
  milestones: Array<{ share: number; ms: number }>;
  /** Redis keys removed at the end (filled in by the clean-up). */
  keysRemoved: number;
}

const STATES = ['queued', 'delivering', 'retrying', 'delivered', 'failed', 'dead'] as const;

async function ledgerStates(redis: Redis, keys: Keys): Promise<Record<string, number>> {
  const p = redis.pipeline();
  for (const s of STATES) p.zcard(keys.deliveriesInState(s));
  const res = (await p.exec()) ?? [];
  return Object.fromEntries(STATES.map((s, i) => [s, Number(res[i]?.[1] ?? 0)]));
}

async function admin(gatewayUrl: string, action: 'pause' | 'resume', reason: string): Promise<void> {
  const res = await fetch(`${gatewayUrl}/admin/systems/land/${action}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${OPERATOR_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
  if (res.status !== 200) throw new Error(`admin ${action}: HTTP ${res.status} ${await res.text()}`);
}

/** What the worker process reports of its land breaker (admin:breaker:observed, refreshed every breakerSyncMs). */
async function observedBreaker(redis: Redis, keys: Keys): Promise<string> {
  const all = await redis.hvals(keys.observedBreakers());
  const states = all.map((v) => (JSON.parse(v) as { states: Record<string, string> }).states.land ?? '?');
  return states.length > 0 ? states.join(', ') : 'not reported';
}

async function gatewayRun(n: number): Promise<GatewayFigures> {
  let figures: GatewayFigures | null = null;
  const prefix = benchPrefix('drain-gw');
  const land = createLandSimulator({ apiKey: LAND_KEY });
  const portal = createPortalSimulator({
    username: PORTAL_USER,
    password: PORTAL_PASSWORD,
    feedKey: FEED_KEY,
    rateLimitPerSecond: 0,
  });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let api: Gateway | null = null;
  const children: ChildProcess[] = [];
  const exits: Array<Promise<void>> = [];
  // Each phase (building the backlog, the drain) is bounded by --timeout on its own.
  let phase = 'backlog';
  let deadline = Infinity;
  const overdue = (what: string): void => {
    if (performance.now() > deadline)
      throw new Error(`${phase}: timed out after ${TIMEOUT_MS / 1000} s: ${what}`);
  };
  try {
    const urls: SystemUrls = { land: await land.start(), portal: await portal.start() };
    api = new Gateway(gatewayConfig(prefix, urls), 'api');
    await api.start();
    const keys = api.keys;
    const gatewayUrl = api.url ?? '';

    // The workers run from the start, as they would in production when land goes down.
    for (let i = 0; i < WORKER_PROCESSES; i += 1) {
      const child = fork(fileURLToPath(import.meta.url), ['--worker', JSON.stringify({ prefix, urls })], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        execArgv: [...process.execArgv, ...cpuProfArgs()],
      });
      children.push(child);
      exits.push(new Promise<void>((r) => child.once('exit', () => r())));
    }
    await Promise.all(children.map((c) => waitFor(c, 'ready', 30_000)));

    // Land goes down (and, for a planned window, the operator pauses its queue first).
    if (OUTAGE === 'pause') await admin(gatewayUrl, 'pause', 'land registry maintenance (bench)');
    land.setFaults({ down: true });

    // ---- the backlog: N distinct dossiers through the intake
    const make = codeMaker('BD');
    const codes: string[] = [];
    const nextBody = bodyMaker(landFeed(), () => {
      const M = make();
      codes.push(M);
      return M;
    });
    const t0Intake = performance.now();
    deadline = t0Intake + TIMEOUT_MS;
    let sent = 0;
    const refusedAtIntake: string[] = [];
    const pusher = async (): Promise<void> => {
      while (sent < n && refusedAtIntake.length === 0) {
        sent += 1;
        overdue(`intake: ${sent}/${n} pushed`);
        const res = await fetch(`${gatewayUrl}${FEED_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-motcua-key': FEED_KEY },
          body: nextBody(),
        });
        const text = await res.text();
        if (res.status !== 202) refusedAtIntake.push(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: PUSHERS }, () => pusher()));
    if (refusedAtIntake.length > 0) throw new Error(`intake answered other than 202: ${refusedAtIntake[0]}`);
    const intakeMs = performance.now() - t0Intake;

    // Stored and queued: N dossiers, N land deliveries not delivered, N jobs in the land queue.
    const queue = api.queues.delivery.get('land')!;
    for (;;) {
      const [stored, states, jobs] = await Promise.all([
        redis.zcard(keys.allDossiers()),
        ledgerStates(redis, keys),
        queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized'),
      ]);
      const pending = (states.queued ?? 0) + (states.delivering ?? 0) + (states.retrying ?? 0);
      const queued = Object.values(jobs).reduce((a, b) => a + b, 0);
      if (stored === n && pending === n && queued === n) break;
      if ((states.dead ?? 0) + (states.failed ?? 0) > 0)
        throw new Error(`deliveries gave up while land was down: ${JSON.stringify(states)}`);
      overdue(`backlog: ${stored} stored, ${pending} pending in the ledger, ${queued} jobs`);
      await sleep(TICK_MS);
    }
    if (land.counters().dossiersCreated !== 0)
      throw new Error(`land entered ${land.counters().dossiersCreated} dossiers while down`);

    // Land stays down a while longer with the whole backlog queued (the breaker cycles meanwhile).
    const ch0 = await redisCommandsProcessed();
    const th0 = performance.now();
    await sleep(DOWN_FOR_MS);
    const holdCommandsPerSecond =
      ((await redisCommandsProcessed()) - ch0) / Math.max(0.001, (performance.now() - th0) / 1000);
    const stateAtRecovery = await ledgerStates(redis, keys);
    if ((stateAtRecovery.dead ?? 0) + (stateAtRecovery.failed ?? 0) > 0)
      throw new Error(`deliveries gave up while land was down: ${JSON.stringify(stateAtRecovery)}`);
    if (land.counters().dossiersCreated !== 0)
      throw new Error(`land entered ${land.counters().dossiersCreated} dossiers while down`);
    const breakerAtRecovery = await observedBreaker(redis, keys);
    // Deliveries whose earlier request has an unknown outcome: each is looked up before it is sent
    // again, and not before that request's timeout plus a margin has passed (inflight-claim.ts).
    const marks = redis.pipeline();
    for (const M of codes)
      marks.hexists(keys.delivery(deliveryId(M, 'land', 'tiepnhan'), M), 'inflightSince');
    const inflightAtRecovery = ((await marks.exec()) ?? []).filter(([, v]) => v === 1).length;
    const refusedWhileDown = land.faults.counts.failed;
    const before = land.counters();

    // ---- land is back: time until every delivery is delivered
    phase = 'drain';
    deadline = performance.now() + TIMEOUT_MS;
    const milestones = MILESTONES.map((share) => ({ share, count: Math.ceil(share * n), ms: 0 }));
    let polls = 0;
    const c0 = await redisCommandsProcessed();
    const t0 = performance.now();
    land.setFaults({ down: false });
    if (OUTAGE === 'pause') await admin(gatewayUrl, 'resume', 'land registry back (bench)');
    let firstAtLandMs = 0;
    let states: Record<string, number> = {};
    for (;;) {
      states = await ledgerStates(redis, keys);
      polls += 1;
      const now = performance.now() - t0;
      const created = land.counters().dossiersCreated;
      if (!firstAtLandMs && created > 0) firstAtLandMs = now;
      for (const m of milestones) if (!m.ms && (states.delivered ?? 0) >= m.count) m.ms = now;
      const settled = (states.delivered ?? 0) + (states.dead ?? 0) + (states.failed ?? 0);
      if (settled >= n) break;
      overdue(
        `drain: ${states.delivered ?? 0}/${n} delivered after ${fmt(now / 1000, 1)} s (${JSON.stringify(states)})`,
      );
      await sleep(TICK_MS);
    }
    const drainMs = performance.now() - t0;
    // The bench's own ZCARD pipelines (6 commands a poll) and the INFO calls are not the gateway's.
    const drainCommands = (await redisCommandsProcessed()) - c0 - polls * STATES.length;

    // A moment for anything still in flight (a second send would show up now), then count at land.
    await sleep(1000);
    states = await ledgerStates(redis, keys);
    const perCode = new Map<string, number>();
    for (const d of land.store.all()) perCode.set(d.MaHoSoMotCua, (perCode.get(d.MaHoSoMotCua) ?? 0) + 1);
    let duplicates = 0;
    let missing = 0;
    for (const M of codes) {
      const e = perCode.get(M) ?? 0;
      if (e > 1) duplicates += e - 1;
      if (e === 0) missing += 1;
    }
    const after = land.counters();
    figures = {
      intakeMs,
      drainMs,
      firstAtLandMs,
      delivered: states.delivered ?? 0,
      dead: states.dead ?? 0,
      failed: states.failed ?? 0,
      duplicates,
      missing,
      drainCommands,
      holdCommandsPerSecond,
      refusedWhileDown,
      breakerAtRecovery,
      tiepnhanAfter: after.tiepnhanCalls - before.tiepnhanCalls,
      lookupsAfter: after.lookupCalls - before.lookupCalls,
      stateAtRecovery,
      inflightAtRecovery,
      milestones: milestones.map(({ share, ms }) => ({ share, ms })),
      keysRemoved: 0,
    };
    return figures;
  } finally {
    await Promise.all(
      children.map(async (child, i) => {
        if (child.connected) {
          child.send({ type: 'stop' } satisfies ToChild);
          await waitFor(child, 'stopped', 30_000).catch((err: unknown) => console.error(err));
        }
        const timer = setTimeout(() => child.kill(), 10_000);
        await exits[i];
        clearTimeout(timer);
      }),
    );
    await api?.stop();
    await land.close();
    await portal.close();
    redis.disconnect();
    const removed = await dropPrefixes([prefix]);
    if (figures) figures.keysRemoved = removed; // the object already returned: the caller prints it
  }
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const land = gatewayConfig('x', { land: 'http://127.0.0.1:1', portal: 'http://127.0.0.1:2' }).systems.land!;
  const outage =
    OUTAGE === '503'
      ? 'land answers 503 (unplanned outage, no operator action)'
      : 'admin pause of the land queue, land answering 503 meanwhile (planned window)';
  console.log(
    `backlog-drain: ${fmt(N)} land deliveries (feed-land-tax.json, MaTTHC 1.004227, land only); ${outage}; ` +
      `land down ${fmt(DOWN_FOR_MS / 1000)} s more once the backlog is queued; gateway mode 'api' here, ` +
      `mode 'worker' in ${WORKER_PROCESSES === 1 ? 'a child process' : `${WORKER_PROCESSES} child processes`}, ` +
      `${CONCURRENCY} workers per queue${WORKER_PROCESSES === 1 ? '' : ' in each'}; land retry ${land.retry.attempts} ` +
      `attempts ${land.retry.backoffMs}–${land.retry.maxBackoffMs} ms, breaker reset ${fmt(land.breaker.resetTimeoutMs)} ms, ` +
      `timeout ${fmt(land.timeoutMs)} ms${smoke ? ' (smoke)' : ''}`,
  );
  const base = await bullmqBacklog(N);
  const baseRate = (N / base.ms) * 1000;
  console.log(
    `baseline  BullMQ: backlog of ${fmt(N)} no-op jobs (addBulk), then one Worker (concurrency ${CONCURRENCY}): ` +
      `${fmt(baseRate).padStart(6)} jobs/s        (${fmt(base.ms / 1000, 2)} s to drain)`,
  );
  const gw = await gatewayRun(N);
  const rate = (N / gw.drainMs) * 1000;
  const sec = (ms: number): string => `${fmt(ms / 1000, 2)} s`;
  console.log(
    `gateway   backlog of ${fmt(N)} land deliveries, land back → all delivered (ledger)    : ` +
      `${fmt(rate).padStart(6)} deliveries/s  (${sec(gw.drainMs)} to drain; ` +
      gw.milestones.map((m) => `${Math.round(m.share * 100)}% ${sec(m.ms)}`).join(', ') +
      `; first at land ${sec(gw.firstAtLandMs)})`,
  );
  console.log(
    `ratio gateway/baseline: ${ratio(rate, baseRate)} (deliveries/s per no-op job/s; drain ${sec(gw.drainMs)} ` +
      `vs ${sec(base.ms)})`,
  );
  console.log(
    `duplicates: ${gw.duplicates} (land entries per dossier beyond 1; missing ${gw.missing}; ledger ` +
      `delivered ${fmt(gw.delivered)}/${fmt(N)}, dead ${gw.dead}, failed ${gw.failed})`,
  );
  console.log(
    `redis commands: gateway ${fmt(gw.drainCommands / N, 1)} per delivery during the drain, baseline ` +
      `${fmt(base.redisCommands / N, 1)} per job; while land was down with the backlog queued ` +
      `${fmt(gw.holdCommandsPerSecond)} per s (server-wide counts: other clients add to them)`,
  );
  const s = gw.stateAtRecovery;
  console.log(
    `outage: intake of ${fmt(N)} dossiers took ${sec(gw.intakeMs)} (all 202); land refused ` +
      `${fmt(gw.refusedWhileDown)} requests while down; at recovery the ledger had queued ${fmt(s.queued ?? 0)}, ` +
      `retrying ${fmt(s.retrying ?? 0)}, delivering ${fmt(s.delivering ?? 0)}, dead ${s.dead ?? 0}, ` +
      `${fmt(gw.inflightAtRecovery)} marked in flight (inflightSince: looked up before resending); ` +
      `worker's land breaker ${gw.breakerAtRecovery}; after recovery land got ${fmt(gw.tiepnhanAfter)} ` +
      `tiepnhan and ${fmt(gw.lookupsAfter)} lookups`,
  );
  if (!smoke && N >= 10_000)
    console.log(
      `target: ${fmt(N)} drained in under ${TARGET_S} s: ${gw.drainMs / 1000 < TARGET_S ? 'met' : 'NOT met'} ` +
        `(${sec(gw.drainMs)})`,
    );
  console.log(`redis keys removed: ${fmt(gw.keysRemoved)}`);
  if (gw.duplicates > 0 || gw.missing > 0 || gw.delivered !== N) {
    console.error('FAILED: duplicates, missing land entries, or deliveries not delivered');
    process.exitCode = 1;
  }
}

if (flag('--worker')) {
  const i = process.argv.indexOf('--worker');
  serveWorkers(JSON.parse(process.argv[i + 1] ?? '{}') as { prefix: string; urls: SystemUrls }).catch(
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.exit(1); // a failed start may leave connections open: nothing else would end this child
    },
  );
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
