/**
 * End to end per system and for the three-system route: dossiers/s from the portal's feed push to the
 * dossier's final status at the portal simulator, with zero-latency simulators, beside raw BullMQ no-op
 * job throughput measured in the same run (the queue engine's own limit).
 *
 *   npx tsx bench/end-to-end-systems.ts [--smoke] [--dossiers 60] [--timeout 120]
 *
 * Routes: civil registration (birth, polled), social insurance (funeral allowance, SOAP + callbacks),
 * tax (fee declaration: notices then payment, final status 4), document management (building permit,
 * polled inbox), and the land transfer through land + tax + document (three systems).
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../src/config/config.js';
import type { DossierRecord } from '../src/domain/dossier.js';
import { Gateway } from '../src/gateway.js';
import { createLogger } from '../src/logging/logger.js';
import { startWorld, WORLD_SECRETS, type World } from '../src/simulators/world.js';
import { benchPrefix, dropPrefixes, flag, fmt, numArg, ratio, REDIS_URL, specExample } from './common.js';

const smoke = flag('--smoke');
const N = numArg('--dossiers', smoke ? 6 : 60);
const TIMEOUT_MS = numArg('--timeout', smoke ? 60 : 180) * 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const feed = (p: string): DossierRecord => specExample<{ data: DossierRecord[] }>(`portal/${p}`).data[0]!;

interface Route {
  name: string;
  make(M: string): DossierRecord;
  /** Entered in every system of the route (one entry each). */
  entered(w: World, M: string): boolean;
  /** Called once when entered: make the systems finish. */
  act(w: World, M: string): void;
  /** The final status at the portal. */
  final: string;
  /** Second step, when the route needs one after a first status (tax: pay once '6' is shown). */
  then?: { at: string; act(w: World, M: string): void };
  entries(w: World, M: string): number[];
}

const ROUTES: Route[] = [
  {
    name: 'civil registration (birth, polled)',
    make: (M) => ({ ...feed('feed-birth.json'), MaHoSo: M }),
    entered: (w, M) => w.civil!.entries(M) === 1,
    act: (w, M) => void w.civil!.setStatus(M, 4),
    final: '9',
    entries: (w, M) => [w.civil!.entries(M)],
  },
  {
    name: 'social insurance (funeral allowance, SOAP)',
    make: (M) => {
      const d = { ...feed('feed-death-bhxh.json'), MaHoSo: M, MaTTHC: '1.008123' };
      delete d.HoTich;
      return d;
    },
    entered: (w, M) => w.bhxh!.entries(M) === 1,
    act: (w, M) => void w.bhxh!.setStatus(M, 4),
    final: '9',
    entries: (w, M) => [w.bhxh!.entries(M)],
  },
  {
    name: 'tax (notices then payment)',
    make: (M) => {
      const d = { ...feed('feed-land-tax.json'), MaHoSo: M, MaTTHC: '1.005011' };
      delete d.ThongTinThuaDat;
      return d;
    },
    entered: (w, M) => w.tax!.entries(M) === 1,
    act: (w, M) => void w.tax!.issueNoticesFor(M, 1),
    then: { at: '6', act: (w, M) => void w.tax!.confirmPayment(M, 'all') },
    final: '4',
    entries: (w, M) => [w.tax!.entries(M)],
  },
  {
    name: 'document management (permit, polled inbox)',
    make: (M) => ({ ...feed('feed-document.json'), MaHoSo: M }),
    entered: (w, M) => w.doc!.entries(M) === 1,
    act: (w, M) => void w.doc!.setStatus(M, '06'),
    final: '9',
    entries: (w, M) => [w.doc!.entries(M)],
  },
  {
    name: 'land transfer: land + tax + document',
    make: (M) => ({
      ...feed('feed-land-tax.json'),
      MaHoSo: M,
      VanBan: {
        TrichYeu: `Văn bản chuyển hồ sơ chuyển nhượng (hồ sơ ${M})`,
        NoiNhan: [{ MaDonVi: '000.12.12.H40', TenDonVi: 'Văn phòng đăng ký đất đai tỉnh Nghệ An' }],
      },
    }),
    entered: (w, M) => w.land.entries(M) === 1 && w.tax!.entries(M) === 1 && w.doc!.entries(M) === 1,
    act: (w, M) => void w.land.finish(M, { TrangThaiKetThuc: 0 }),
    final: '9',
    entries: (w, M) => [w.land.entries(M), w.tax!.entries(M), w.doc!.entries(M)],
  },
];

async function noopBaseline(n: number): Promise<number> {
  const prefix = benchPrefix('e2e-sys-noop');
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix });
  let done = 0;
  let finish = (): void => undefined;
  const all = new Promise<void>((r) => (finish = r));
  const worker = new Worker(
    'noop',
    async () => {
      done += 1;
      if (done === n) finish();
    },
    { connection, prefix, concurrency: 16 },
  );
  await worker.waitUntilReady();
  const t0 = performance.now();
  await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { i } })));
  await all;
  const ms = performance.now() - t0;
  await worker.close();
  await queue.close();
  connection.disconnect();
  await dropPrefixes([prefix]);
  return (n / ms) * 1000;
}

async function runRoute(
  route: Route,
  index: number,
): Promise<{ perSecond: number; duplicates: number; missing: number }> {
  const prefix = benchPrefix(`e2e-sys-${index}`);
  const world = await startWorld({ systems: 'all', redisUrl: REDIS_URL, prefix, pace: 'test' });
  const raw = world.rawConfig;
  (raw.portal as Record<string, unknown>).reorderWindowMs = 100;
  const config = parseConfig(raw, { env: { ...WORLD_SECRETS }, readFile: (p) => readFileSync(p, 'utf8') });
  const gateway = new Gateway(config, 'all', createLogger('silent'));
  try {
    await gateway.start();
    world.connect(gateway.url!);
    const codes = Array.from({ length: N }, (_, i) => `H40.22-BSYS${index}-${String(i).padStart(6, '0')}`);
    for (const M of codes) world.portal.seed(route.make(M));
    const t0 = performance.now();
    for (const M of codes) void world.portal.push(M);
    const acted = new Set<string>();
    const second = new Set<string>();
    const done = new Set<string>();
    while (done.size < codes.length) {
      if (performance.now() - t0 > TIMEOUT_MS)
        throw new Error(`${route.name}: ${done.size}/${codes.length} done in time`);
      for (const M of codes) {
        if (done.has(M)) continue;
        if (!acted.has(M) && route.entered(world, M)) {
          acted.add(M);
          route.act(world, M);
        }
        const st = world.portal.record(M)?.TrangThaiHoSo;
        if (route.then && acted.has(M) && !second.has(M) && st === route.then.at) {
          second.add(M);
          route.then.act(world, M);
        }
        if (st === route.final && (!route.then || second.has(M))) done.add(M);
      }
      await sleep(20);
    }
    const ms = performance.now() - t0;
    let duplicates = 0;
    let missing = 0;
    for (const M of codes) {
      for (const e of route.entries(world, M)) {
        if (e > 1) duplicates += e - 1;
        if (e === 0) missing += 1;
      }
    }
    return { perSecond: (codes.length / ms) * 1000, duplicates, missing };
  } finally {
    await gateway.stop();
    await world.close();
    await dropPrefixes([prefix]);
  }
}

async function main(): Promise<void> {
  const baseline = await noopBaseline(smoke ? 200 : 2000);
  console.log(`baseline  raw BullMQ no-op jobs (addBulk, Worker concurrency 16): ${fmt(baseline)} jobs/s`);
  let bad = 0;
  for (const [i, route] of ROUTES.entries()) {
    const r = await runRoute(route, i);
    console.log(
      `gateway   ${route.name.padEnd(44)}: ${fmt(r.perSecond, 1)} dossiers/s   ratio ${ratio(r.perSecond, baseline)}   duplicates: ${r.duplicates}   missing: ${r.missing}`,
    );
    if (r.duplicates > 0 || r.missing > 0) bad += 1;
  }
  if (bad > 0) process.exit(1);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
