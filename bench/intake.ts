/**
 * Intake throughput and latency of `POST /v1/portal/feed`, beside a baseline measured in the same run.
 *
 *   npx tsx bench/intake.ts [--smoke] [--fanout 3] [--duration 10] [--warmup 2] [--connections 16]
 *
 * The parent process is the load generator (autocannon). It forks this same file with `--serve`:
 * the child runs the simulators, a gateway in mode 'api' (no workers: only intake is measured) and
 * the baseline — a bare express 5 app that parses the JSON and adds one BullMQ job per system taking
 * part — so the servers and the load generator do not share one event loop. Every request carries a
 * distinct valid dossier (the spec's feed-land-tax.json under a new MaHoSo).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/config.js';
import { Gateway } from '../src/gateway.js';
import type { SystemId } from '../src/domain/system-event.js';
import { createDocumentSimulator } from '../src/simulators/document/index.js';
import { createLandSimulator } from '../src/simulators/land/index.js';
import { createPortalSimulator } from '../src/simulators/portal/index.js';
import { createTaxSimulator } from '../src/simulators/tax/index.js';
import {
  BENCH_ENV,
  DOC_KEY,
  DOC_SECRET,
  FEED_KEY,
  LAND_KEY,
  PORTAL_PASSWORD,
  PORTAL_USER,
  REDIS_URL,
  TAX_KEY,
  benchPrefix,
  bodyMaker,
  childWaiter,
  codeMaker,
  cpuProfArgs,
  dropPrefixes,
  flag,
  fmt,
  landFeed,
  landTaxDocumentFeed,
  numArg,
  ratio,
  rawConfig,
  readSecretFile,
  redisCommandsProcessed,
} from './common.js';

interface ServeOptions {
  fanout: number;
}
type ToChild = { type: 'stop' } | { type: 'cpu' };
type FromChild =
  | { type: 'ready'; gatewayUrl: string; baselineUrl: string; systems: SystemId[] }
  | { type: 'cpu'; micros: number }
  | {
      type: 'stopped';
      gatewayDossiers: number;
      gatewayJobs: Record<string, number>;
      baselineJobs: Record<string, number>;
      keysDeleted: number;
    }
  | { type: 'error'; message: string };

const smoke = flag('--smoke');
const FEED_PATH = '/v1/portal/feed';

// ------------------------------------------------------------------ child: the servers

async function queuedJobs(queues: readonly Queue[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const q of queues) {
    const c = await q.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed');
    out[q.name] = Object.values(c).reduce((a, b) => a + b, 0);
  }
  return out;
}

const gwPrefix = benchPrefix('intake-gw');
const basePrefix = benchPrefix('intake-base');

function send(m: FromChild): void {
  if (process.connected) process.send?.(m);
}

/**
 * Job counts once they stopped moving: autocannon ends a timed run with requests still in flight,
 * which the servers finish (store, then enqueue) after the client has gone.
 */
async function settledJobs(queues: readonly Queue[]): Promise<Record<string, number>> {
  let last = await queuedJobs(queues);
  for (let i = 0; i < 25; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await queuedJobs(queues);
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}

async function serve(opts: ServeOptions): Promise<void> {
  const land = createLandSimulator({ apiKey: LAND_KEY });
  const portal = createPortalSimulator({
    username: PORTAL_USER,
    password: PORTAL_PASSWORD,
    feedKey: FEED_KEY,
  });
  const fan = opts.fanout >= 3;
  const tax = fan
    ? createTaxSimulator({ securityKey: TAX_KEY, pushSecurityKey: TAX_KEY, unitCodes: ['H40.22'] })
    : null;
  const doc = fan
    ? createDocumentSimulator({ consumerKey: DOC_KEY, consumerSecret: DOC_SECRET, quotaPerSecond: 0 })
    : null;
  const urls = {
    land: await land.start(),
    portal: await portal.start(),
    ...(tax ? { tax: await tax.start() } : {}),
    ...(doc ? { document: await doc.start() } : {}),
  };
  const config = parseConfig(rawConfig({ prefix: gwPrefix, urls }), {
    env: BENCH_ENV,
    readFile: readSecretFile,
  });
  const gateway = new Gateway(config, 'api');
  await gateway.start();
  const systems: SystemId[] = fan ? ['land', 'tax', 'document'] : ['land'];

  // Baseline: parse the JSON, add one job per system taking part (own prefix, same Redis).
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = systems.map(
    (s) =>
      new Queue<{ MaHoSo: string; system: SystemId }>(`deliver-${s}`, {
        connection,
        prefix: `${basePrefix}-bull`,
      }),
  );
  const app = express();
  app.post(FEED_PATH, express.json({ limit: config.http.bodyLimitBytes }), async (req, res) => {
    const body = req.body as { data?: Array<{ MaHoSo?: string }> };
    const M = String(body.data?.[0]?.MaHoSo);
    await Promise.all(
      queues.map((q, i) =>
        q.add(
          'deliver',
          { MaHoSo: M, system: systems[i]! },
          { jobId: `${M}~${systems[i]!}~tiepnhan`, removeOnFail: false },
        ),
      ),
    );
    res.status(202).json({ MaHoSo: M, duplicate: false });
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const baselineUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    const gatewayJobs = await settledJobs([...gateway.queues.delivery.values()] as Queue[]);
    const baselineJobs = await settledJobs(queues as Queue[]);
    const gatewayDossiers = await connection.zcard(gateway.keys.allDossiers());
    await gateway.stop();
    await Promise.all(queues.map((q) => q.close()));
    await connection.quit();
    await Promise.all([land.close(), portal.close(), tax?.close(), doc?.close()]);
    const keysDeleted = await dropPrefixes([gwPrefix, basePrefix]);
    send({ type: 'stopped', gatewayDossiers, gatewayJobs, baselineJobs, keysDeleted });
    if (process.connected) process.disconnect();
  };
  process.on('message', (m: ToChild) => {
    if (m.type === 'stop') void stop();
    if (m.type === 'cpu') {
      const u = process.cpuUsage();
      send({ type: 'cpu', micros: u.user + u.system });
    }
  });
  process.on('disconnect', () => void stop()); // the parent went away: clean up anyway
  send({ type: 'ready', gatewayUrl: gateway.url ?? '', baselineUrl, systems });
}

// ------------------------------------------------------------------ parent: the load

interface RunFigures {
  label: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  created: number;
  redisCommands: number;
  /** CPU time of the server process (both servers live there; runs are one after the other). */
  serverCpuMsPerReq: number;
}

async function load(
  child: ChildProcess,
  url: string,
  label: string,
  nextBody: () => string,
  how: { connections: number; duration?: number; amount?: number },
): Promise<RunFigures> {
  let created = 0;
  let lastResponse = 0;
  const cpu = (): Promise<number> => serverCpuMicros(child);
  const cpu0 = await cpu();
  const before = await redisCommandsProcessed();
  const t0 = performance.now();
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}${FEED_PATH}`,
        connections: how.connections,
        ...(how.amount ? { amount: how.amount } : { duration: how.duration ?? 10 }),
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-motcua-key': FEED_KEY },
        requests: [
          { method: 'POST', path: FEED_PATH, setupRequest: (req) => ({ ...req, body: nextBody() }) },
        ],
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(result);
      },
    );
    instance.on('response', (_c: autocannon.Client, status: number) => {
      if (status === 202) created += 1;
      lastResponse = performance.now();
    });
  });
  return {
    label,
    requests: r.requests.total,
    // From the start to the last response (autocannon's own duration is rounded to its 1 s ticks).
    rps: r['2xx'] / Math.max(0.001, (lastResponse - t0) / 1000),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    created,
    redisCommands: ((await redisCommandsProcessed()) - before) / Math.max(1, r.requests.total),
    serverCpuMsPerReq: ((await cpu()) - cpu0) / 1000 / Math.max(1, r.requests.total),
  };
}

/**
 * Open-loop load: requests leave at an even pace (every 2 ms, `rate × 2 / 1000` of them) whatever
 * the answers do, as a portal's peak arrives; latency counts from the moment a request was due, so
 * a server that falls behind shows it (no coordinated omission). autocannon's `overallRate` is not
 * used for this: it spends each connection's per-second budget at once at the start of every second,
 * so its latencies measure its own bursts.
 */
async function paced(
  child: ChildProcess,
  url: string,
  label: string,
  nextBody: () => string,
  how: { rate: number; duration?: number; amount?: number },
): Promise<RunFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(`${url}${FEED_PATH}`);
  const total = how.amount ?? Math.round(how.rate * (how.duration ?? 10));
  const latencies: number[] = [];
  let created = 0;
  let non2xx = 0;
  let errors = 0;
  let lastResponse = 0;
  const cpu = (): Promise<number> => serverCpuMicros(child);
  const cpu0 = await cpu();
  const before = await redisCommandsProcessed();
  const send = (due: number): Promise<void> =>
    new Promise((resolve) => {
      const body = nextBody();
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-motcua-key': FEED_KEY,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            lastResponse = performance.now();
            latencies.push(lastResponse - due);
            if (res.statusCode === 202) created += 1;
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx += 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });
  const t0 = performance.now();
  const TICK_MS = 2;
  const inFlight: Array<Promise<void>> = [];
  let sent = 0;
  while (sent < total) {
    const due = t0 + (sent / how.rate) * 1000;
    const now = performance.now();
    if (due > now) {
      await new Promise((r) => setTimeout(r, Math.min(TICK_MS, due - now)));
      continue;
    }
    // Everything due by now leaves now (a late timer sends its backlog at once, timed from when due).
    while (sent < total && t0 + (sent / how.rate) * 1000 <= performance.now()) {
      inFlight.push(send(t0 + (sent / how.rate) * 1000));
      sent += 1;
    }
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const answered = latencies.length - non2xx;
  return {
    label,
    requests: total,
    rps: answered / Math.max(0.001, (lastResponse - t0) / 1000),
    p50: at(0.5),
    p99: at(0.99),
    non2xx,
    errors,
    created,
    redisCommands: ((await redisCommandsProcessed()) - before) / Math.max(1, total),
    serverCpuMsPerReq: ((await cpu()) - cpu0) / 1000 / Math.max(1, total),
  };
}

/** CPU time (user + system, µs) the server child has used so far. */
async function serverCpuMicros(child: ChildProcess): Promise<number> {
  const reply = waitFor(child, 'cpu', 10_000);
  child.send({ type: 'cpu' } satisfies ToChild);
  return (await reply).micros;
}

function line(f: RunFigures): string {
  return (
    `${f.label.padEnd(48)}: ${fmt(f.rps).padStart(6)} req/s  p50 ${fmt(f.p50, 1)} ms  p99 ${fmt(f.p99, 1)} ms  ` +
    `non-2xx ${f.non2xx}  errors ${f.errors}  redis cmds/req ${fmt(f.redisCommands, 1)}  ` +
    `server cpu ${fmt(f.serverCpuMsPerReq, 2)} ms/req  ` +
    `(${fmt(f.requests)} requests, ${fmt(f.created)} answered 202)`
  );
}

const waitFor = childWaiter<FromChild>('server child');

async function main(): Promise<void> {
  const fanout = numArg('--fanout', 1);
  if (fanout !== 1 && fanout !== 3) throw new Error('--fanout: 1 (land) or 3 (land, tax, document)');
  const connections = numArg('--connections', smoke ? 4 : 16);
  const duration = numArg('--duration', 10);
  const warmup = numArg('--warmup', smoke ? 0 : 2);
  const amount = smoke ? 60 : 0;
  const rate = numArg('--rate', 1000);

  const child = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify({ fanout })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...cpuProfArgs()],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let figures: RunFigures[] = [];
  try {
    const ready = await waitFor(child, 'ready', 30_000);
    const env = fanout === 3 ? landTaxDocumentFeed() : landFeed();
    const nextBody = bodyMaker(env, codeMaker(fanout === 3 ? 'BF' : 'BI'));
    const how = amount ? { connections, amount } : { connections, duration };
    console.log(
      `intake: ${ready.systems.length} system(s) (${ready.systems.join(', ')}), MaTTHC ${env.data[0]!.MaTTHC}, ` +
        `${connections} connections, ` +
        (amount
          ? `${amount} requests per run (smoke)`
          : `${duration} s per run after a ${warmup} s warm-up`) +
        `, body ${fmt(Buffer.byteLength(nextBody()) / 1024, 1)} kB, every request a new MaHoSo`,
    );
    if (warmup > 0) {
      await load(child, ready.baselineUrl, 'warm-up', nextBody, { connections, duration: warmup });
      await load(child, ready.gatewayUrl, 'warm-up', nextBody, { connections, duration: warmup });
    }
    const n = ready.systems.length;
    const base = await load(
      child,
      ready.baselineUrl,
      `baseline  bare express 5 + JSON + ${n} BullMQ add${n > 1 ? 's' : ''}`,
      nextBody,
      how,
    );
    console.log(line(base));
    const gw = await load(child, ready.gatewayUrl, `gateway   POST ${FEED_PATH} (mode api)`, nextBody, how);
    console.log(line(gw));
    console.log(
      `ratio gateway/baseline: throughput ${ratio(gw.rps, base.rps)}, ` +
        `p50 latency ${ratio(gw.p50, base.p50)}, p99 latency ${ratio(gw.p99, base.p99)}`,
    );
    figures = [base, gw];
    if (rate > 0) {
      // Open loop: requests offered at a fixed rate, as a portal's peak would arrive; the latency
      // is what a request meets at that rate (the target: p99 under 25 ms at 1,000/s, fan-out 3).
      const open = { rate, ...(amount ? { amount } : { duration }) };
      const baseR = await paced(
        child,
        ready.baselineUrl,
        `baseline  at ${fmt(rate)} req/s offered`,
        nextBody,
        open,
      );
      console.log(line(baseR));
      const gwR = await paced(
        child,
        ready.gatewayUrl,
        `gateway   at ${fmt(rate)} req/s offered`,
        nextBody,
        open,
      );
      console.log(line(gwR));
      console.log(
        `at ${fmt(rate)} req/s offered: gateway p99 ${fmt(gwR.p99, 1)} ms (baseline ${fmt(baseR.p99, 1)} ms, ` +
          `${ratio(gwR.p99, baseR.p99)}), served ${fmt(gwR.rps)} req/s (${ratio(gwR.rps, rate)} of the offer)`,
      );
      figures.push(baseR, gwR);
    }
  } finally {
    // Always stop the child: it closes its servers and removes its Redis keys.
    if (child.connected) {
      child.send({ type: 'stop' } satisfies ToChild);
      const stopped = await waitFor(child, 'stopped', 30_000).catch((err: unknown) => {
        console.error(err);
        return null;
      });
      if (stopped) {
        const jobs = (r: Record<string, number>): string =>
          Object.entries(r)
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ');
        const perQueue = Object.values(stopped.gatewayJobs);
        const even = perQueue.every((v) => v === stopped.gatewayDossiers);
        console.log(
          `gateway: ${fmt(stopped.gatewayDossiers)} dossiers stored, jobs ${jobs(stopped.gatewayJobs)} ` +
            `(${even ? 'one per dossier and system' : 'NOT one per dossier and system'}); ` +
            `baseline jobs ${jobs(stopped.baselineJobs)} (warm-up included)`,
        );
        if (!even) process.exitCode = 1;
        console.log(`redis keys removed: ${fmt(stopped.keysDeleted)}`);
      }
    }
    const timer = setTimeout(() => child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }

  const bad = figures.filter((f) => f.non2xx > 0 || f.errors > 0 || f.created !== f.requests);
  if (bad.length > 0) {
    console.error(
      `FAILED: ${bad.map((f) => f.label.trim()).join('; ')}: non-2xx, errors, or answers other than 202`,
    );
    process.exitCode = 1;
  }
}

if (flag('--serve')) {
  const i = process.argv.indexOf('--serve');
  serve(JSON.parse(process.argv[i + 1] ?? '{}') as ServeOptions).catch(async (err: unknown) => {
    send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    await dropPrefixes([gwPrefix, basePrefix]).catch(() => undefined);
    process.exit(1); // a failed start may leave servers open: nothing else would end this child
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
