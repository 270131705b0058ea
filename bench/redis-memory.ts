/**
 * Redis memory per dossier and per ledger entry, measured (docs/operations.md, sizing).
 *
 *   npx tsx bench/redis-memory.ts [--dossiers 500] [--smoke]
 *
 * One process: the simulated world (portal, land) and a gateway in mode 'all' on a key prefix of
 * its own. N land dossiers (the spec's transfer, land only) are pushed through the portal's feed.
 * Memory is read twice: once every dossier is entered at the land registry and open (waiting for
 * the registry's answer), and once every dossier has been transferred and finished (status 9 at the
 * portal). Each time it prints `INFO memory` used_memory against the baseline taken before the
 * first push, and the sum of `MEMORY USAGE` over every key of the run, by kind of key (the part of
 * the key after the dossier's `{MaHoSo}`, delivery ids folded), for the gateway's keys and BullMQ's.
 * Other work on the same Redis moves used_memory: the per-key sums are the figure to use.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/config.js';
import type { DossierRecord } from '../src/domain/dossier.js';
import { Gateway } from '../src/gateway.js';
import { startWorld, WORLD_SECRETS } from '../src/simulators/world.js';
import { benchPrefix, dropPrefixes, flag, fmt, numArg, REDIS_URL, specExample } from './common.js';

const smoke = flag('--smoke');
const N = Math.max(1, Math.floor(numArg('--dossiers', smoke ? 10 : 500)));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 300_000,
  explain?: () => string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${explain ? `: ${explain()}` : ''}`);
    await sleep(100);
  }
}

async function usedMemory(r: Redis): Promise<number> {
  const info = await r.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

/** The kind of a key: dossier codes and delivery ids folded, so keys of every dossier add up. */
function kindOf(key: string, prefix: string): string {
  return key
    .replace(`${prefix}-bull:`, 'bull:')
    .replace(`${prefix}:`, 'gw:')
    .replace(/\{[^}]+\}/, '{M}')
    .replace(/:dl:[^:]+/, ':dl:<id>')
    .replace(/:body:\d+$/, ':body:<n>')
    .replace(/^bull:([^:]+):[0-9a-f-]{8,}.*$/, 'bull:$1:<job>')
    .replace(/^bull:([^:]+):[^:]*~[^:]*(:logs)?$/, 'bull:$1:<job>$2')
    .replace(/^bull:([^:]+):\d+(:logs)?$/, 'bull:$1:<job>$2');
}

async function usageByKind(r: Redis, prefix: string): Promise<Map<string, { keys: number; bytes: number }>> {
  const out = new Map<string, { keys: number; bytes: number }>();
  for (const pattern of [`${prefix}:*`, `${prefix}-bull:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      const pipe = r.pipeline();
      for (const k of keys) pipe.memory('USAGE', k, 'SAMPLES', '0');
      const res = (await pipe.exec()) ?? [];
      keys.forEach((k, i) => {
        const kind = kindOf(k, prefix);
        const e = out.get(kind) ?? { keys: 0, bytes: 0 };
        e.keys += 1;
        e.bytes += Number(res[i]?.[1] ?? 0);
        out.set(kind, e);
      });
    } while (cursor !== '0');
  }
  return out;
}

function report(title: string, usage: Map<string, { keys: number; bytes: number }>, delta: number): number {
  const rows = [...usage.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
  const total = rows.reduce((s, [, e]) => s + e.bytes, 0);
  const gw = rows.filter(([k]) => k.startsWith('gw:')).reduce((s, [, e]) => s + e.bytes, 0);
  console.log(`\n${title}`);
  console.log(
    `  MEMORY USAGE, all keys of the run: ${fmt(total)} B = ${fmt(total / N)} B per dossier ` +
      `(gateway ${fmt(gw / N)}, BullMQ ${fmt((total - gw) / N)}); INFO used_memory delta ${fmt(delta / N)} B per dossier`,
  );
  const families = new Map<string, number>();
  for (const [kind, e] of rows) {
    const family = /^gw:d:\{M\}/.test(kind)
      ? 'dossier and ledger (gw:d:{M}…)'
      : /^gw:ml:/.test(kind)
        ? 'message log (gw:ml:…)'
        : kind.startsWith('bull:')
          ? 'BullMQ jobs and queues'
          : 'indexes and the rest (gw:idx:…, …)';
    families.set(family, (families.get(family) ?? 0) + e.bytes);
  }
  for (const [family, bytes] of families)
    console.log(`  = ${family.padEnd(42)} ${fmt(bytes / N).padStart(7)} B/dossier`);
  for (const [kind, e] of rows.slice(0, 14))
    console.log(
      `  ${kind.padEnd(44)} ${String(e.keys).padStart(6)} keys  ${fmt(e.bytes / N).padStart(7)} B/dossier`,
    );
  return total / N;
}

async function main(): Promise<void> {
  const prefix = benchPrefix('memory');
  const r = new Redis(REDIS_URL);
  const world = await startWorld({ systems: 'land', redisUrl: REDIS_URL, prefix, pace: 'test' });
  const raw = world.rawConfig;
  const config = parseConfig(raw, { env: { ...WORLD_SECRETS }, readFile: (p) => readFileSync(p, 'utf8') });
  const gateway = new Gateway(config, 'all');
  const base = specExample<{ data: DossierRecord[] }>('portal/feed-land-tax.json').data[0]!;
  try {
    await gateway.start();
    world.connect(gateway.url!);
    const { land, portal } = world;
    const before = await usedMemory(r);
    const codes = Array.from(
      { length: N },
      (_, i) => `H40.22-MEM-${process.pid}-${String(i).padStart(5, '0')}`,
    );
    for (const M of codes) {
      const d = { ...structuredClone(base), MaHoSo: M } as DossierRecord;
      delete d.Thue;
      portal.seed(d);
    }
    for (let i = 0; i < codes.length; i += 16) {
      const batch = await Promise.all(codes.slice(i, i + 16).map((M) => portal.push(M)));
      const bad = batch.find((b) => b.lastStatusCode !== 202);
      if (bad) throw new Error(`feed answered ${bad.lastStatusCode}`);
    }
    await waitUntil('every dossier entered at land', () => codes.every((M) => land.entries(M) === 1));
    await sleep(1000);
    const open = report(
      `${N} dossiers open (entered at the land registry, waiting for its answer):`,
      await usageByKind(r, prefix),
      (await usedMemory(r)) - before,
    );
    for (const M of codes) land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitUntil('4 at the portal', () => codes.every((M) => portal.record(M)?.TrangThaiHoSo === '4'));
    for (const M of codes) land.finish(M, { TrangThaiKetThuc: 0 });
    await waitUntil(
      '9 at the portal',
      () => codes.every((M) => portal.progress(M).some((row) => row.TrangThai === '9')),
      300_000,
      () => {
        const counts: Record<string, number> = {};
        for (const M of codes) {
          const st = String(portal.record(M)?.TrangThaiHoSo);
          counts[st] = (counts[st] ?? 0) + 1;
        }
        return `portal statuses ${JSON.stringify(counts)}, land ${JSON.stringify(land.counters().callbacks)}`;
      },
    );
    await sleep(1500);
    const done = report(
      `${N} dossiers finished (status 9; queue jobs kept until retention removes them):`,
      await usageByKind(r, prefix),
      (await usedMemory(r)) - before,
    );
    const usage = await usageByKind(r, prefix);
    const ledger = [...usage.entries()]
      .filter(([k]) => k.includes(':dl:<id>'))
      .reduce((s, [, e]) => s + e.bytes, 0);
    const deliveries = usage.get('gw:d:{M}:dl:<id>')?.keys ?? N;
    console.log(
      `\nper ledger entry (a delivery: its hash, attempts and payload record): ${fmt(ledger / deliveries)} B` +
        `\nsummary: open ${fmt(open)} B/dossier, finished ${fmt(done)} B/dossier (N=${N})`,
    );
  } finally {
    await gateway.stop();
    await world.close();
    const removed = await dropPrefixes([prefix]);
    console.log(`redis keys removed: ${fmt(removed)}`);
    r.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
