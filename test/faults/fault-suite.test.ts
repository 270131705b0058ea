import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_IDS, type SystemId } from '../../src/domain/system-event.js';
import { seededRandom } from '../../src/simulators/fault-injector.js';
import { startWorld, WORLD_SECRETS, WORLD_USERS, type World } from '../../src/simulators/world.js';
import { DossierStore } from '../../src/store/dossier-store.js';
import { Keys } from '../../src/store/keys.js';
import { landDossier, monotonic } from '../helpers/dossiers.js';
import { writeConfig } from '../helpers/processes.js';
import { FEED_KEY } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { act, buildMix, entriesIn, isFinal, KINDS, stepsOf, type MixDossier } from './dossier-mix.js';
import { FAULT_KINDS, FaultPlan } from './fault-plan.js';
import { GatewayProcesses } from './gateway-processes.js';
import { freePort, OwnRedis } from './own-redis.js';
import { identityNumbersIn } from './identity-numbers.js';

/**
 * The fault suite: the api and two workers as real processes, the portal and the five systems
 * simulated in this process, a Redis of its own with AOF. Hundreds of dossiers of every route go
 * through while the systems fail in every way the specs allow, a worker is killed with SIGKILL
 * every few seconds and Redis is killed and restarted once. Then every dossier is driven to its
 * end and the promise is checked as figures: nothing entered twice, nothing lost.
 *
 * @remarks The Redis restart is a SIGKILL, not `SHUTDOWN NOSAVE`: a crash is what a restart
 * under fault looks like, and SHUTDOWN always flushes and fsyncs the AOF, so it would prove less.
 * A killed process loses nothing it had written to the kernel; with `appendfsync everysec` Redis
 * writes the AOF buffer before it answers, except while a slow background fsync makes it postpone
 * the write (counted in `aof_delayed_fsync`, printed below; 0 on an idle disk). What a *power*
 * loss costs cannot be produced by a test on one machine: the README says it (Redis outages).
 * So `lost` must be 0 here, and the suite prints the counter that would explain it if it were not.
 */

const PER_KIND = Number(process.env.LIENTHONG_FAULT_PER_KIND ?? 58);
const SEED = Number(process.env.LIENTHONG_FAULT_SEED ?? 20251105);
const PREFIX = 'faults';
const RUN_TAG = `F${Date.now().toString(36).slice(-6).toUpperCase()}`;
/** How many system actions the driver does per tick, so that callbacks come in waves, not all at once. */
const ACTIONS_PER_TICK = 40;
/** A worker is killed every 5–7 s, when both have been working for 2 s at least (a tsx start takes a few seconds). */
const KILL_EVERY_MS = 5000;
const MIN_WORKER_LIFE_MS = 2000;

let redis: OwnRedis;
let world: World;
let procs: GatewayProcesses;
let apiUrl = '';
let logDir = '';
let inspect: { queues: Queue[]; redis: Redis } | null = null;
const mix: MixDossier[] = buildMix(PER_KIND, RUN_TAG);
let finished = false;

beforeAll(async () => {
  redis = await OwnRedis.start();
  world = await startWorld({
    systems: 'all',
    redisUrl: redis.url,
    prefix: PREFIX,
    pace: 'test',
    // Real vendors retry for ten minutes or more; here every 500 ms for two minutes.
    vendorRetry: { intervalMs: 500, maxAttempts: 240 },
  });
  const raw = world.rawConfig as Record<string, Record<string, unknown>>;
  const port = await freePort();
  raw.http = { host: '127.0.0.1', port };
  raw.log = { level: 'info' };
  // The portal allows 20 requests/s per account; here 100, on both sides, so the run stays short.
  raw.portal!.rateLimit = { max: 100, durationMs: 1000 };
  world.portal.setFaults({ rateLimitPerSecond: 100 });
  for (const s of Object.values(raw.systems as Record<string, Record<string, unknown>>)) {
    s.retry = { attempts: 25, backoffMs: 50, maxBackoffMs: 1000 };
  }
  logDir = mkdtempSync(join(tmpdir(), 'lienthong-faults-logs-'));
  procs = new GatewayProcesses(writeConfig(raw), logDir);
  procs.start('api', 'api');
  procs.start('worker', 'worker-1');
  procs.start('worker', 'worker-2');
  apiUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    'the api ready, with workers on every queue',
    async () => (await fetch(`${apiUrl}/readyz`)).status === 200,
    90_000,
    250,
  );
  world.connect(apiUrl);
}, 120_000);

afterAll(async () => {
  await Promise.all(inspect?.queues.map((q) => q.close()) ?? []);
  inspect?.redis.disconnect();
  await procs?.stopAll();
  await world?.close();
  await redis?.stop();
  if (finished) rmSync(logDir, { recursive: true, force: true });
  else if (logDir) console.log(`fault suite: the processes' logs are kept in ${logDir}`);
}, 60_000);

async function inspection(): Promise<{ queues: Queue[]; redis: Redis }> {
  if (inspect) return inspect;
  const client = redis.client();
  await client.connect();
  const names = [...SYSTEM_IDS.map((s) => `deliver-${s}`), 'portal-sync', 'poll'];
  const queues = names.map((n) => {
    const q = new Queue(n, { connection: { url: redis.url }, prefix: `${PREFIX}-bull` });
    q.on('error', () => undefined);
    return q;
  });
  inspect = { queues, redis: client };
  return inspect;
}

/** Jobs still waiting, running, delayed (scheduled polls aside) or failed, per queue. */
async function leftInQueues(): Promise<Record<string, number>> {
  const { queues } = await inspection();
  const out: Record<string, number> = {};
  for (const q of queues) {
    const jobs = await q.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
    const open = jobs.filter((j) => j && !j.repeatJobKey && !String(j.id).startsWith('repeat:'));
    const failed = q.name === 'poll' ? 0 : await q.getFailedCount();
    out[q.name] = open.length + failed;
  }
  return out;
}

interface Outage {
  /** Workers that lived through the outage and delivered or synced again after it, by themselves. */
  resumed: number;
  downMs: number;
  intakeStatus: number;
  retryAfter: string | null;
  readyzStatus: number;
  probeKeys: number;
  delayedFsyncBefore: string;
  survivors: number[];
  backAt: number;
}

/**
 * Kills Redis (SIGKILL), checks what the api answers meanwhile and that nothing of a refused
 * version was stored, and starts Redis again on the same AOF. The worker processes are not
 * touched: they must pick up again by themselves.
 */
async function redisOutage(control: { killerPaused: boolean }): Promise<Outage> {
  control.killerPaused = true;
  await waitFor(
    'both workers working before the outage',
    () => procs.ready('worker-').length >= 2,
    60_000,
    250,
  );
  const survivors = procs.ready('worker-').map((p) => p.child.pid!);
  const delayedFsyncBefore = (await redis.persistence()).aof_delayed_fsync ?? '?';
  const probe = landDossier(`H40.22-${RUN_TAG}-PROBE`);
  const killedAt = Date.now();
  await redis.kill();
  const res = await fetch(`${apiUrl}/v1/portal/feed`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-MotCua-Key': FEED_KEY },
    body: JSON.stringify({ madonvi: 'H40.22', service: 'DongBoHoSoMC', isUpdating: 'False', data: [probe] }),
  });
  await res.arrayBuffer();
  const readyz = await fetch(`${apiUrl}/readyz`);
  await readyz.arrayBuffer();
  await sleep(Math.max(0, 2500 - (Date.now() - killedAt)));
  await redis.launch();
  const backAt = Date.now();
  const { redis: client } = await inspection();
  await waitFor('inspection client back', async () => (await client.ping()) === 'PONG', 20_000, 100);
  let probeKeys = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `*${probe.MaHoSo}*`, 'COUNT', 1000);
    cursor = next;
    probeKeys += keys.length;
  } while (cursor !== '0');
  // Workers pause while Redis is away and resume by themselves: the processes that lived through
  // the outage deliver or sync again afterwards. The killer waits for that before it goes on.
  const resumed = await waitFor(
    'the workers that lived through the outage working again',
    () => survivors.filter((pid) => workedAfter(pid, backAt) > 0).length === survivors.length,
    60_000,
    500,
  ).catch(() => false);
  control.killerPaused = false;
  return {
    resumed: resumed ? survivors.length : survivors.filter((pid) => workedAfter(pid, backAt) > 0).length,
    downMs: backAt - killedAt,
    intakeStatus: res.status,
    retryAfter: res.headers.get('retry-after'),
    readyzStatus: readyz.status,
    probeKeys,
    delayedFsyncBefore,
    survivors,
    backAt,
  };
}

/** Log lines of one process (by pid) written after `since` that show it delivered or synced something. */
function workedAfter(pid: number, since: number): number {
  let n = 0;
  for (const text of procs.logTexts().values()) {
    for (const line of text.split('\n')) {
      if (!line.includes(`"pid":${pid},`)) continue;
      try {
        const l = JSON.parse(line) as { time?: string; msg?: string };
        if (l.time && Date.parse(l.time) > since && /^(delivered|portal .*|.*synced.*)$/.test(l.msg ?? ''))
          n += 1;
      } catch {
        /* a line cut by the kill */
      }
    }
  }
  return n;
}

describe('fault suite: every route under faults, kill -9 and a Redis restart', () => {
  it(`When ${mix.length} dossiers of every route run while the systems fail, workers are killed and Redis restarts, then each reaches its final status, is entered once in each of its systems, and nothing is lost`, async () => {
    const t0 = Date.now();
    const plan = new FaultPlan(world, SEED);
    const random = seededRandom(SEED + 1);
    const control = { stop: false, killerPaused: false };
    plan.steady();
    const chaos = (async () => {
      while (!control.stop) {
        plan.tick();
        await sleep(500);
      }
    })();
    const killer = (async () => {
      while (!control.stop) {
        await sleep(KILL_EVERY_MS + random() * 2000);
        if (control.stop || control.killerPaused) continue;
        // Only while both workers are up: one is killed, the other keeps working meanwhile.
        const running = procs.ready('worker-', MIN_WORKER_LIFE_MS);
        if (running.length < 2) continue;
        await procs.killAndRestart(running[Math.floor(random() * running.length)]!, 'worker');
        plan.workerKilled();
      }
    })();

    for (const d of mix) world.portal.seed(d.record);
    const pushes = Promise.all(mix.map((d) => world.portal.push(d.MaHoSo)));
    const marks: Record<string, number> = {};
    const mark = (name: string): void => {
      marks[name] ??= Math.round((Date.now() - t0) / 100) / 10;
    };
    void pushes.then(() => mark('intake'));
    let lastReport = Date.now();

    const totalSteps = mix.reduce((n, d) => n + stepsOf(d.kind), 0);
    let done = 0;
    let seq = 0;
    let outage: Promise<Outage> | null = null;
    const deadline = Date.now() + 360_000;
    for (;;) {
      let acted = 0;
      for (const d of mix) {
        if (acted >= ACTIONS_PER_TICK) break;
        if (d.step >= stepsOf(d.kind)) continue;
        const before = d.step;
        if (!act(world, d, seq++)) continue;
        acted += 1;
        done += d.step - before;
        if (['land-first', 'death', 'funeral', 'building-permit'].includes(d.kind) || d.kind === 'birth-card')
          plan.reorderedBatch();
        if (d.kind === 'building-permit') plan.docStatusesAsked += 2;
      }
      if (!outage && done >= totalSteps * 0.35) {
        outage = redisOutage(control);
        plan.redisRestarted();
      }
      if (done === totalSteps) mark('driven');
      const final = mix.filter((d) => isFinal(d, world)).length;
      if (process.env.LIENTHONG_FAULT_VERBOSE && Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        console.log(
          `t=${Math.round((Date.now() - t0) / 1000)} s: steps ${done}/${totalSteps}, final ${final}/${mix.length}, workers killed ${plan.figures().workerKills}, queues ${JSON.stringify(await leftInQueues().catch(() => null))}`,
        );
      }
      if (done === totalSteps && final === mix.length) break;
      if (Date.now() > deadline) break;
      await sleep(100);
    }
    mark('final');
    const outageReport = await outage!;
    const resumed = outageReport.resumed;
    control.stop = true;
    await Promise.all([chaos, killer]);
    plan.stop();
    const feed = await pushes;

    // Quiet: every job finished, every outbox empty, every delivery delivered.
    const store = new DossierStore((await inspection()).redis, new Keys(PREFIX));
    const keys = new Keys(PREFIX);
    const settled = await waitFor(
      'queues drained and outboxes empty',
      async () => {
        const left = await leftInQueues();
        if (Object.values(left).some((n) => n > 0)) return null;
        const r = (await inspection()).redis;
        const pipe = r.pipeline();
        for (const d of mix) pipe.llen(keys.outbox(d.MaHoSo)).llen(keys.outboxFailed(d.MaHoSo));
        const lens = (await pipe.exec())!.map(([, n]) => Number(n));
        return lens.every((n) => n === 0) ? left : null;
      },
      90_000,
      500,
    ).catch(async () => leftInQueues());
    mark('settled');
    await sleep(1500);
    const seconds = Math.round((Date.now() - t0) / 1000);

    const notFinal = mix.filter((d) => !isFinal(d, world));
    const offenders: string[] = [];
    let extraEntries = 0;
    let missingEntries = 0;
    const entriesBySystem: Record<string, number> = {};
    for (const d of mix) {
      for (const s of SYSTEM_IDS as readonly SystemId[]) {
        const n = entriesIn(world, s, d.MaHoSo);
        const expected = d.systems.includes(s) ? 1 : 0;
        entriesBySystem[s] = (entriesBySystem[s] ?? 0) + n;
        if (n > expected) {
          extraEntries += n - expected;
          offenders.push(`${d.MaHoSo} ${s}: ${n} entries`);
        }
        if (n < expected) missingEntries += expected - n;
      }
    }
    const duplicateRows = world.portal.duplicateProgressRows().length;
    const backwards = mix.filter((d) => !monotonic(world.portal.statuses(d.MaHoSo)));
    const notDelivered: string[] = [];
    for (const d of mix) {
      for (const dl of await store.deliveries(d.MaHoSo))
        if (dl.state !== 'delivered') notDelivered.push(`${dl.id}:${dl.state}`);
    }
    const givenUp = {
      landCallbacks: world.land.counters().callbacks.dropped,
      taxPushes: world.tax!.counters().pushesGivenUp,
      bhxhCallbacks: world.bhxh!.counters().emitter.dropped,
      feedVersions: feed.filter((f) => f.status !== 'delivered').length,
    };
    const lost = notFinal.length + missingEntries + Object.values(givenUp).reduce((a, b) => a + b, 0);
    const duplicates = extraEntries + duplicateRows;
    const left = Object.values(settled ?? {}).reduce((a, b) => a + b, 0);
    const faults = plan.figures();
    const rows = mix.reduce((n, d) => n + world.portal.progress(d.MaHoSo).length, 0);

    console.log(
      [
        `fault suite (seed ${SEED}): ${mix.length} dossiers (${PER_KIND} of each of ${KINDS.length} kinds), ${seconds} s (s from the start: ${JSON.stringify(marks)})`,
        `  final status reached: ${mix.length - notFinal.length}/${mix.length}; status went backwards: ${backwards.length}`,
        `  entries per system: ${Object.entries(entriesBySystem)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')} (extra ${extraEntries}, missing ${missingEntries})`,
        `  progress rows at the portal: ${rows}, duplicated: ${duplicateRows}`,
        `  deliveries not delivered: ${notDelivered.length}; jobs left in queues: ${left} ${JSON.stringify(settled)}`,
        `  vendor messages given up: ${JSON.stringify(givenUp)}`,
        `  redis: SIGKILL, down ${outageReport.downMs} ms; feed answered ${outageReport.intakeStatus} (Retry-After ${outageReport.retryAfter}), readyz ${outageReport.readyzStatus}; keys of the refused version: ${outageReport.probeKeys}; aof_delayed_fsync before the kill: ${outageReport.delayedFsyncBefore}; workers that lived through it and resumed by themselves: ${resumed}/${outageReport.survivors.length}`,
        `Faults: dossiers=${mix.length} ${FAULT_KINDS.map((k) => `${k}=${faults[k]}`).join(' ')} duplicates=${duplicates} lost=${lost} seconds=${seconds}`,
      ].join('\n'),
    );

    expect(
      notFinal.map((d) => `${d.MaHoSo} (${d.kind}): ${world.portal.statuses(d.MaHoSo).join('→')}`),
    ).toEqual([]);
    expect({ extraEntries, missingEntries, offenders }).toEqual({
      extraEntries: 0,
      missingEntries: 0,
      offenders: [],
    });
    expect(duplicateRows).toBe(0);
    expect(backwards.map((d) => `${d.MaHoSo}: ${world.portal.statuses(d.MaHoSo).join('→')}`)).toEqual([]);
    expect(notDelivered).toEqual([]);
    expect(left).toBe(0);
    expect(givenUp).toEqual({ landCallbacks: 0, taxPushes: 0, bhxhCallbacks: 0, feedVersions: 0 });
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(outageReport.intakeStatus).toBe(503);
    expect(outageReport.retryAfter).toBeTruthy();
    expect(outageReport.probeKeys).toBe(0);
    expect(resumed).toBeGreaterThan(0);
    for (const k of FAULT_KINDS) expect(faults[k], `faults of kind ${k} injected`).toBeGreaterThan(0);
    finished = true;
  }, 600_000);

  it('When the logs of every process of that run are read, then no configured secret and no identity number of its dossiers appears in them', () => {
    const texts = procs.logTexts();
    const secrets = [...Object.values(WORLD_SECRETS), WORLD_USERS.operatorToken];
    const ids = identityNumbersIn(mix.map((d) => d.record));
    let lines = 0;
    const found: string[] = [];
    for (const [name, text] of texts) {
      lines += text.split('\n').length;
      for (const s of secrets) if (text.includes(s)) found.push(`${name}: secret ${s.slice(0, 4)}…`);
      for (const id of ids) if (text.includes(id)) found.push(`${name}: identity number ${id.slice(0, 3)}…`);
    }
    console.log(
      `fault suite logs: ${lines} lines from ${texts.size} process logs (${procs.all.length} processes), ${secrets.length} secrets and ${ids.length} identity numbers searched: ${found.length} found`,
    );
    expect(lines).toBeGreaterThan(1000);
    expect(found).toEqual([]);
  });
});
