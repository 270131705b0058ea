/**
 * Dossiers per second from intake to status 9 at the portal, beside raw BullMQ no-op job throughput
 * measured in the same run.
 *
 *   npx tsx bench/end-to-end.ts [--smoke] [--dossiers 300] [--reorder-ms 100] [--timeout 60]
 *
 * One process: the portal and land simulators (no injected latency or faults, rate limits off) and
 * a gateway in mode 'all' (land only). N distinct dossiers are pushed through the portal
 * simulator's feed; as each appears at the land registry the land office transfers it, and once the
 * portal shows '4' finishes it (KetThucHoSo, TrangThaiKetThuc 0). The clock stops when every dossier
 * shows '9' at the portal. Then: one land dossier per code (duplicates: 0).
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/config.js';
import { Gateway } from '../src/gateway.js';
import type { DossierRecord } from '../src/domain/dossier.js';
import { createLandSimulator } from '../src/simulators/land/index.js';
import { createPortalSimulator } from '../src/simulators/portal/index.js';
import {
  BENCH_ENV,
  FEED_KEY,
  LAND_KEY,
  PORTAL_PASSWORD,
  PORTAL_USER,
  REDIS_URL,
  SECURITY_CODE,
  benchPrefix,
  codeMaker,
  dropPrefixes,
  flag,
  fmt,
  landFeed,
  numArg,
  ratio,
  rawConfig,
  readSecretFile,
  redisCommandsProcessed,
} from './common.js';

const smoke = flag('--smoke');
const N = Math.max(1, Math.floor(numArg('--dossiers', smoke ? 6 : 300)));
const REORDER_MS = numArg('--reorder-ms', 100);
const TIMEOUT_MS = numArg('--timeout', smoke ? 30 : 60) * 1000;
const CONCURRENCY = 16;
const TICK_MS = 50;
const MISS_BUDGET = 16;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ baseline: raw BullMQ

/** addBulk N no-op jobs, one Worker (concurrency 16); ms from the add until every job completed. */
async function bullmqNoop(n: number): Promise<{ ms: number; redisCommands: number }> {
  const prefix = benchPrefix('e2e-base');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix: `${prefix}-bull` });
  let completed = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((r) => (allDone = r));
  const worker = new Worker('noop', async () => undefined, {
    connection,
    prefix: `${prefix}-bull`,
    concurrency: CONCURRENCY,
  });
  worker.on('completed', () => {
    completed += 1;
    if (completed === n) allDone();
  });
  try {
    await worker.waitUntilReady();
    const c0 = await redisCommandsProcessed();
    const t0 = performance.now();
    await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { i } })));
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
    await worker.close();
    await queue.close();
    await connection.quit();
    await dropPrefixes([prefix]);
  }
}

// ------------------------------------------------------------------ the gateway

interface GatewayFigures {
  ms: number;
  atLand: number;
  at4: number;
  at9: number;
  duplicates: number;
  missing: number;
  duplicateRows: number;
  portalRequests: number;
  portalByService: Record<string, number>;
  driverMs: number;
  redisCommands: number;
  /** Deliveries to the land registry the ledger shows delivered (one per dossier on this route). */
  deliveries: number;
}

async function gatewayRun(n: number): Promise<GatewayFigures> {
  const prefix = benchPrefix('e2e-gw');
  const land = createLandSimulator({ apiKey: LAND_KEY, retryIntervalMs: 100, callbackTimeoutMs: 5000 });
  const portal = createPortalSimulator({
    username: PORTAL_USER,
    password: PORTAL_PASSWORD,
    feedKey: FEED_KEY,
    feedRetryIntervalMs: 200,
    feedMaxAttempts: 20,
    feedTimeoutMs: 10_000,
    feedConcurrency: CONCURRENCY,
    rateLimitPerSecond: 0,
  });
  let gateway: Gateway | null = null;
  try {
    const urls = { land: await land.start(), portal: await portal.start() };
    const config = parseConfig(
      rawConfig({ prefix, urls, concurrency: CONCURRENCY, reorderWindowMs: REORDER_MS }),
      { env: BENCH_ENV, readFile: readSecretFile },
    );
    gateway = new Gateway(config, 'all');
    await gateway.start();
    land.setCallbackTarget(`${gateway.url ?? ''}/callbacks/land`, SECURITY_CODE);
    portal.setFeedTarget(`${gateway.url ?? ''}/v1/portal/feed`, FEED_KEY);

    const base = landFeed().data[0]!;
    const nextCode = codeMaker('E2E');
    const codes = Array.from({ length: n }, () => nextCode());
    for (const M of codes) portal.seed({ ...structuredClone(base), MaHoSo: M } as DossierRecord);

    const status = (M: string): unknown => portal.record(M)?.TrangThaiHoSo;
    const reached = { atLand: 0, at4: 0, at9: 0 };
    let driverMs = 0;
    const c0 = await redisCommandsProcessed();
    const t0 = performance.now();
    const pushes = codes.map((M) => portal.push(M));
    let pushFailure: string | undefined;
    void Promise.all(pushes).then((all) => {
      const bad = all.filter((d) => d.lastStatusCode !== 202);
      if (bad.length > 0)
        pushFailure = `${bad.length} feed pushes not answered 202 (${bad[0]!.lastStatusCode})`;
    });

    // The driver shares the event loop with the gateway, so it looks only when something changed and,
    // at the portal (whose record() deep-copies a dossier), from the oldest waiting dossier onwards
    // until MISS_BUDGET in a row have not moved; a full pass only when nothing arrived since the last look.
    let waitingLand = codes;
    let waiting4: string[] = [];
    let waiting9: string[] = [];
    let seenCreated = 0;
    let seenRows = -1;
    const sweep = (list: string[], want: string, hit: (M: string) => void, budget: number): string[] => {
      const keep: string[] = [];
      let misses = 0;
      for (let i = 0; i < list.length; i += 1) {
        if (misses >= budget) {
          keep.push(...list.slice(i));
          break;
        }
        const M = list[i]!;
        if (status(M) === want) {
          hit(M);
          misses = 0;
        } else {
          keep.push(M);
          misses += 1;
        }
      }
      return keep;
    };
    while (waitingLand.length + waiting4.length + waiting9.length > 0) {
      if (pushFailure) throw new Error(pushFailure);
      if (performance.now() - t0 > TIMEOUT_MS) {
        throw new Error(
          `timed out after ${TIMEOUT_MS} ms: waiting for land ${waitingLand.length}, for '4' ${waiting4.length}, for '9' ${waiting9.length}`,
        );
      }
      const d0 = performance.now();
      const created = land.counters().dossiersCreated;
      if (created !== seenCreated) {
        seenCreated = created;
        // One pass over the land store (land.entries() per code sorts the whole store each time).
        const atLand = new Set(land.store.all().map((d) => d.MaHoSoMotCua));
        waitingLand = waitingLand.filter((M) => {
          if (!atLand.has(M)) return true;
          land.transfer(M, {
            BuocXuLy: 'Thẩm định hồ sơ',
            PhongBan: 'Phòng Đăng ký',
            NguoiXuLy: 'Trần Thị Mai',
          });
          waiting4.push(M);
          return false;
        });
      }
      const rows = portal.counters().progressRows;
      const budget = rows !== seenRows ? MISS_BUDGET : Infinity;
      seenRows = rows;
      waiting4 = sweep(
        waiting4,
        '4',
        (M) => {
          land.finish(M, { TrangThaiKetThuc: 0 });
          waiting9.push(M);
        },
        budget,
      );
      waiting9 = sweep(waiting9, '9', () => undefined, budget);
      const now = performance.now();
      driverMs += now - d0;
      if (!reached.atLand && waitingLand.length === 0) reached.atLand = now - t0;
      if (!reached.at4 && waitingLand.length + waiting4.length === 0) reached.at4 = now - t0;
      if (waitingLand.length + waiting4.length + waiting9.length > 0) await sleep(TICK_MS);
    }
    const ms = performance.now() - t0;
    reached.at9 = ms;
    const redisCommands = (await redisCommandsProcessed()) - c0;
    const deliveries = await gateway.store.redis.zcard(gateway.keys.deliveriesInState('delivered'));

    let duplicates = 0;
    let missing = 0;
    for (const M of codes) {
      const e = land.entries(M);
      if (e > 1) duplicates += e - 1;
      if (e === 0) missing += 1;
    }
    return {
      ms,
      ...reached,
      duplicates,
      missing,
      duplicateRows: portal.duplicateProgressRows().length,
      portalRequests: portal.counters().requests,
      portalByService: portal.counters().byService,
      driverMs,
      redisCommands,
      deliveries,
    };
  } finally {
    await gateway?.stop();
    await land.close();
    await portal.close();
    await dropPrefixes([prefix]);
  }
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  console.log(
    `end-to-end: ${N} dossiers (feed-land-tax.json, land only), zero-latency simulators, gateway mode 'all' ` +
      `in-process, ${CONCURRENCY} workers per queue, reorder window ${REORDER_MS} ms${smoke ? ' (smoke)' : ''}`,
  );
  const rounds = smoke ? 1 : 3;
  const runs: Array<{ ms: number; redisCommands: number }> = [];
  for (let i = 0; i < rounds; i += 1) runs.push(await bullmqNoop(N));
  runs.sort((a, b) => a.ms - b.ms);
  const { ms: baseMs, redisCommands: baseCommands } = runs[Math.floor(runs.length / 2)]!;
  const baseRate = (N / baseMs) * 1000;
  console.log(
    `baseline  BullMQ no-op jobs (addBulk ${N}, Worker concurrency ${CONCURRENCY})      : ` +
      `${fmt(baseRate).padStart(6)} jobs/s  (${fmt(baseMs, 1)} ms, median of ${rounds})`,
  );
  const gw = await gatewayRun(N);
  const rate = (N / gw.ms) * 1000;
  console.log(
    `gateway   portal feed → land → transfer → finish → '9' at portal: ` +
      `${fmt(rate, 1).padStart(6)} dossiers/s  (${fmt(gw.ms / 1000, 2)} s; all at land ${fmt(gw.atLand / 1000, 2)} s, ` +
      `all '4' ${fmt(gw.at4 / 1000, 2)} s, all '9' ${fmt(gw.at9 / 1000, 2)} s)`,
  );
  // A delivery is one operation sent to a system; each also costs the portal requests it causes.
  const deliveryRate = (gw.deliveries / gw.ms) * 1000;
  const portalRate = (gw.portalRequests / gw.ms) * 1000;
  console.log(
    `gateway   deliveries to land: ${fmt(gw.deliveries)} (${fmt(gw.deliveries / N, 1)} per dossier) → ` +
      `${fmt(deliveryRate, 1)} deliveries/s, beside ${fmt(portalRate, 1)} portal requests/s`,
  );
  console.log(
    `ratio gateway/baseline: ${ratio(rate, baseRate)} (dossiers/s per no-op job/s); ` +
      `${ratio(deliveryRate, baseRate)} (deliveries/s per no-op job/s)`,
  );
  console.log(
    `duplicates: ${gw.duplicates} (land entries per dossier must be 1; missing ${gw.missing}; ` +
      `duplicate portal progress rows ${gw.duplicateRows})`,
  );
  console.log(
    `redis commands: gateway ${fmt(gw.redisCommands / N)} per dossier, baseline ${fmt(baseCommands / N, 1)} per job; ` +
      `portal /integration requests ${fmt(gw.portalRequests / N, 1)} per dossier (` +
      Object.entries(gw.portalByService)
        .map(([k, v]) => `${k} ${fmt(v / N, 1)}`)
        .join(', ') +
      ')',
  );
  console.log(
    `bench driver's own time on the gateway's event loop (status checks + land office actions): ${fmt(gw.driverMs)} ms`,
  );
  if (gw.duplicates > 0 || gw.missing > 0 || gw.duplicateRows > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
