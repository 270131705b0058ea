import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { startWorld, type World } from '../../src/simulators/world.js';
import { DossierStore } from '../../src/store/dossier-store.js';
import { Keys } from '../../src/store/keys.js';
import { birthWithCardDossier, deathDossier, landDossier, monotonic, nextCode } from '../helpers/dossiers.js';
import { exited, spawnGateway, writeConfig } from '../helpers/processes.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/round-robin-proxy.js';
import { sleep, waitFor } from '../helpers/wait.js';

/**
 * Two api and three worker processes (real child processes) on one Redis, behind a round-robin
 * proxy, against the simulated world: every guarantee must hold as with one process.
 */
const POLL_MS = 500;
const SCAN_MS = 500;
const LAND_RESET_MS = 4000;

let world: World;
let proxy: RoundRobinProxy;
let prefix = '';
let redis: Redis;
let keys: Keys;
let store: DossierStore;
let pollQueue: Queue;
let landQueue: Queue;
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function childFailure(): string | null {
  for (const c of children) {
    if (c.exitCode !== null) {
      const text = (c as ChildProcess & { stderrText?: () => string }).stderrText?.() ?? '';
      return `a gateway process exited with ${c.exitCode}: ${text.slice(-2000)}`;
    }
  }
  return null;
}

beforeAll(async () => {
  prefix = uniquePrefix('scale');
  world = await startWorld({
    systems: 'all',
    redisUrl: REDIS_URL,
    prefix,
    pace: 'test',
    logLevel: process.env.LIENTHONG_TEST_LOG ?? 'silent',
  });
  const raw = world.rawConfig;
  const systems = raw.systems as Record<string, Record<string, unknown>>;
  systems['civil-registration']!.pollIntervalMs = POLL_MS;
  systems.document!.pollIntervalMs = POLL_MS;
  // Land: enough attempts to outlive the outage of the breaker test; a breaker that needs a few calls.
  systems.land!.retry = { attempts: 200, backoffMs: 100, maxBackoffMs: 400 };
  systems.land!.breaker = {
    errorThresholdPercentage: 50,
    volumeThreshold: 4,
    rollingCountTimeoutMs: 10_000,
    resetTimeoutMs: LAND_RESET_MS,
  };
  raw.deadlines = { enabled: true, scanIntervalMs: SCAN_MS, sendApologyLetters: false };
  raw.workers = { ...(raw.workers as object), concurrency: 4 };
  const ports = [await freePort(), await freePort()];
  const workerFile = writeConfig(raw);
  for (const port of ports)
    children.push(spawnGateway('api', writeConfig({ ...raw, http: { host: '127.0.0.1', port } })));
  for (let i = 0; i < 3; i += 1) children.push(spawnGateway('worker', workerFile));

  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  keys = new Keys(prefix);
  store = new DossierStore(redis, keys);
  const bull = { connection: redis, prefix: `${prefix}-bull` };
  pollQueue = new Queue('poll', bull);
  landQueue = new Queue('deliver-land', bull);

  const apis = ports.map((p) => `http://127.0.0.1:${p}`);
  await waitFor(
    'two api processes answering',
    async () => {
      const failed = childFailure();
      if (failed) throw new Error(failed);
      const answers = await Promise.all(apis.map((u) => fetch(`${u}/healthz`).then((r) => r.ok)));
      return answers.every(Boolean);
    },
    60_000,
    200,
  ).catch((err: unknown) => {
    throw new Error(childFailure() ?? String(err));
  });
  await waitFor(
    'three worker processes on the queues',
    async () => (await landQueue.getWorkersCount()) >= 3 && (await pollQueue.getWorkersCount()) >= 3,
    60_000,
    200,
  );
  proxy = await startRoundRobinProxy(apis);
  world.connect(proxy.url);
}, 120_000);

afterAll(async () => {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 8000);
      await exited(c);
      clearTimeout(t);
    }),
  );
  await proxy?.close();
  await world?.close();
  await pollQueue?.close();
  await landQueue?.close();
  await dropPrefix(prefix);
  redis?.disconnect();
}, 60_000);

async function push(d: DossierRecord): Promise<void> {
  world.portal.seed(d);
  const r = await world.portal.push(d.MaHoSo);
  expect(r.lastStatusCode, `intake of ${d.MaHoSo}: ${r.lastError ?? ''}`).toBe(202);
}

const progressTo = (M: string, status: string): boolean =>
  world.portal.progress(M).some((r) => r.TrangThai === status);

const overdueRows = (M: string): number =>
  world.portal.progress(M).filter((r) => String(r.NoiDungXuLy).startsWith('Hồ sơ quá hạn')).length;

function assertCleanHistory(M: string): void {
  expect(monotonic(world.portal.statuses(M)), `statuses of ${M}: ${world.portal.statuses(M).join(' ')}`).toBe(
    true,
  );
  expect(world.portal.duplicateProgressRows(M)).toEqual([]);
  expect(overdueRows(M)).toBeLessThanOrEqual(1);
}

describe('two api and three worker processes on one Redis', () => {
  it('When land transfers, births with a card and deaths run through five processes with faults on every system, then each system is entered once per dossier and the portal gets each update once, in order', async () => {
    const { land, portal } = world;
    const civil = world.civil!;
    const tax = world.tax!;
    const bhxh = world.bhxh!;
    land.setFaults({ timeoutAfterCommitNext: 1, reorder: true, duplicateNext: 4 });
    civil.setFaults({ dropAfterCommitNext: 1 });
    bhxh.setFaults({ dropAfterCommitNext: 1 });
    bhxh.duplicateNextCallbacks(3);
    tax.faults.set({ dropAfterCommitNext: 1 });

    const lands = [nextCode('SOL'), nextCode('SOL')];
    const births = [nextCode('SOB'), nextCode('SOB')];
    const deaths = [nextCode('SOD'), nextCode('SOD')];
    for (const M of lands) await push(landDossier(M));
    for (const M of births) await push(birthWithCardDossier(M));
    for (const M of deaths) await push(deathDossier(M));
    // Every dossier delivered a second time, through the other api process: a duplicate.
    for (const M of [...lands, ...births, ...deaths])
      expect((await portal.redeliverLast(M)).lastStatusCode).toBe(200);

    await waitFor(
      'land and tax entered',
      () => lands.every((M) => land.entries(M) === 1 && tax.entries(M) === 1),
      30_000,
    );
    await waitFor(
      'civil registration entered',
      () => [...births, ...deaths].every((M) => civil.entries(M) === 1),
      30_000,
    );
    await waitFor('BHXH entered for the deaths', () => deaths.every((M) => bhxh.entries(M) === 1), 30_000);

    for (const M of lands) land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('land transfers at 4', () => lands.every((M) => progressTo(M, '4')), 30_000);
    for (const M of lands) tax.issueNoticesFor(M, 1);
    await waitFor('notices at 6', () => lands.every((M) => progressTo(M, '6')), 30_000);
    for (const M of lands) tax.confirmPayment(M, 'all');
    await waitFor(
      'paid: back to 4',
      () => lands.every((M) => portal.record(M)?.TrangThaiHoSo === '4'),
      30_000,
    );
    for (const M of lands) land.finish(M, { TrangThaiKetThuc: 0 });

    // Births: BHXH waits for the identity number that civil registration assigns.
    for (const M of births) civil.setStatus(M, 4);
    await waitFor('card dossiers entered at BHXH', () => births.every((M) => bhxh.entries(M) === 1), 30_000);
    for (const M of births) bhxh.setStatus(M, 4);
    for (const M of deaths) {
      bhxh.setStatus(M, 4);
      civil.setStatus(M, 4);
    }
    const all = [...lands, ...births, ...deaths];
    await waitFor('every dossier at 9', () => all.every((M) => progressTo(M, '9')), 45_000);
    await sleep(1000);

    for (const M of lands) {
      expect([land.entries(M), tax.entries(M)], M).toEqual([1, 1]);
      // One row for the notice (an overdue row, if the scan found the dossier at 6, is another matter).
      const noticeRows = portal
        .progress(M)
        .filter((r) => r.TrangThai === '6' && !String(r.NoiDungXuLy).startsWith('Hồ sơ quá hạn'));
      expect(noticeRows).toHaveLength(1);
    }
    for (const M of [...births, ...deaths]) expect([civil.entries(M), bhxh.entries(M)], M).toEqual([1, 1]);
    for (const M of all) {
      assertCleanHistory(M);
      expect(portal.record(M)?.TrangThaiHoSo).toBe('9');
      // The portal's 9 does not wait for the ledger: a delivery whose earlier attempt had an unknown
      // outcome may still be settling (looked up and adopted) a moment later.
      await waitFor(`${M}: every delivery delivered`, async () =>
        (await store.deliveries(M)).every((d) => d.state === 'delivered'),
      );
    }
  }, 150_000);

  it('When three workers run the schedulers, then the civil registration poll and the deadline scan run once per tick, not once per process', async () => {
    const { civil } = world;
    // One open civil dossier, overdue (its appointment of 2025 is long past), that stays open.
    const M = nextCode('SOP');
    const d = birthWithCardDossier(M);
    await push(d);
    await waitFor('entered', () => civil!.entries(M) === 1, 20_000);
    await waitFor('marked overdue', () => overdueRows(M) === 1, 20_000);

    const open = await redis.scard(keys.openDossiers('civil-registration'));
    const calls0 = civil!.counters.layKetQuaCalls;
    const from = Date.now();
    await sleep(5000);
    const to = Date.now();
    const calls = civil!.counters.layKetQuaCalls - calls0;
    expect(await redis.scard(keys.openDossiers('civil-registration'))).toBe(open);
    const ticks = (to - from) / POLL_MS;
    // Once per tick: about one LayKetQua per open dossier per tick (three per tick if each process polled).
    const perTick = calls / (open * ticks);
    expect(perTick, `${calls} LayKetQua for ${open} open dossiers in ${ticks} ticks`).toBeGreaterThan(0.3);
    expect(perTick, `${calls} LayKetQua for ${open} open dossiers in ${ticks} ticks`).toBeLessThan(1.5);

    const done = (await pollQueue.getJobs(['completed'], 0, 500)).filter(
      (j) => (j.finishedOn ?? 0) >= from && (j.finishedOn ?? 0) <= to,
    );
    const scans = done.filter((j) => j.name === 'deadline-scan').length;
    const civilPolls = done.filter(
      (j) => j.name === 'poll' && (j.data as { system?: string }).system === 'civil-registration',
    ).length;
    expect(scans, 'deadline scans in 5 s at one per 500 ms').toBeLessThanOrEqual(Math.ceil(ticks * 1.5));
    expect(scans).toBeGreaterThanOrEqual(Math.floor(ticks * 0.3));
    expect(civilPolls).toBeLessThanOrEqual(Math.ceil(ticks * 1.5));
    // The overdue mark itself is written once, whichever worker's scan found it first.
    expect(overdueRows(M)).toBe(1);
    expect(world.portal.duplicateProgressRows(M)).toEqual([]);
  }, 60_000);

  it("When one worker's land breaker opens, then the other workers hold their land jobs too and the land registry gets (almost) no request until the open period ends; after recovery each dossier is entered once", async () => {
    const { land } = world;
    land.setFaults({ down: true });
    const codes = Array.from({ length: 9 }, () => nextCode('SOK'));
    for (const M of codes) {
      const d = landDossier(M);
      delete d.Thue;
      await push(d);
    }
    const record = await waitFor(
      'a worker opened the land breaker and shared it',
      () => redis.hget(keys.sharedBreakers(), 'land'),
      30_000,
      20,
    );
    const requestsAtOpen = land.faultState().httpCounts.failed;
    const until = Number(record!.split('|')[0]);
    expect(until - Date.now()).toBeGreaterThan(LAND_RESET_MS / 2);

    // Every worker process reports the land breaker open (the admin view of each worker's breakers).
    await waitFor(
      'the three workers see land open',
      async () => {
        const observed = Object.values(await redis.hgetall(keys.observedBreakers())).map(
          (v) => (JSON.parse(v) as { states: Record<string, string> }).states.land,
        );
        return observed.filter((s) => s === 'open').length >= 3;
      },
      until - Date.now() - 300,
    );
    await sleep(Math.max(0, until - Date.now() - 300));
    const duringOpen = land.faultState().httpCounts.failed - requestsAtOpen;
    // Calls already on the wire when the breaker opened may still land; nothing new is sent.
    expect(duringOpen, 'requests to the downed land registry while its breaker was open').toBeLessThanOrEqual(
      3,
    );
    const attempts = await Promise.all(
      codes.map(async (M) => Number((await store.delivery(M, `${M}~land~tiepnhan`))?.attempts ?? 0)),
    );

    land.setFaults({ down: false });
    await waitFor('every dossier entered', () => codes.every((M) => land.entries(M) === 1), 40_000);
    await sleep(500);
    for (const M of codes) expect(land.entries(M)).toBe(1);
    // Postponed jobs spent no attempts while held.
    expect(Math.max(...attempts)).toBeLessThan(40);
  }, 90_000);
});
