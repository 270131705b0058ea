import { readFileSync } from 'node:fs';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logging/logger.js';
import { startWorld, type World } from '../../src/simulators/world.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startRedisCluster, type LocalRedisCluster } from '../helpers/redis-topologies.js';
import { TEST_ENV } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let cluster: LocalRedisCluster;
let world: World;
let gateway: Gateway;
let admin: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  world = await startWorld({
    systems: 'land',
    redisUrl: 'redis://127.0.0.1:1',
    prefix: 'ltc',
    pace: 'test',
    logLevel: process.env.LIENTHONG_TEST_LOG ?? 'silent',
  });
  const raw = world.rawConfig;
  raw.redis = { mode: 'cluster', nodes: cluster.nodes, prefix: 'ltc' };
  const config = parseConfig(raw, { env: TEST_ENV, readFile: (p) => readFileSync(p, 'utf8') });
  gateway = new Gateway(config, 'all', createLogger(config.log.level, { test: 'cluster' }));
  await gateway.start();
  world.connect(gateway.url!);
  admin = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await world?.close();
  admin?.disconnect();
  await cluster?.stop();
});

async function slot(key: string): Promise<number> {
  return (await admin.call('CLUSTER', 'KEYSLOT', key)) as number;
}

describe('a Redis Cluster of three masters', () => {
  it('When a land dossier runs 2 → 4 → 9 through a gateway on a three-master cluster, then it is entered once and the portal follows once, in order', async () => {
    const { land, portal } = world;
    const M = nextCode('CLU');
    portal.seed(landDossier(M));
    expect((await portal.push(M)).lastStatusCode).toBe(202);
    // A redelivery of the same version creates nothing.
    expect((await portal.redeliverLast(M)).lastStatusCode).toBe(200);
    await waitFor('tiepnhan at the land registry', () => land.entries(M) === 1, 20_000);
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('status 4 at the portal', () => portal.record(M)?.TrangThaiHoSo === '4', 20_000);
    land.finish(M, { TrangThaiKetThuc: 0 });
    await waitFor(
      'status 9 and its row at the portal',
      () => portal.progress(M).some((r) => r.TrangThai === '9'),
      20_000,
    );
    expect(land.entries(M)).toBe(1);
    expect(portal.progress(M).map((r) => r.TrangThai)).toEqual(['4', '9']);
    expect(portal.duplicateProgressRows(M)).toEqual([]);
    const delivery = await gateway.store.delivery(M, `${M}~land~tiepnhan`);
    expect(delivery?.state).toBe('delivered');
  }, 60_000);

  it("When the gateway writes on a cluster, then its keys share one slot (MULTIs and scripts stay legal) and BullMQ's queues another", async () => {
    const M = nextCode('SLOT');
    const keys = gateway.keys;
    expect(keys.prefix).toBe('{ltc}');
    const gatewaySlots = new Set(
      await Promise.all(
        [keys.dossier(M), keys.chain(M, 'land'), keys.pendingChains(), keys.deliveriesInState('queued')].map(
          slot,
        ),
      ),
    );
    expect(gatewaySlots.size).toBe(1);
    expect(gateway.queues.bullPrefix).toBe('{ltc-bull}');
    const bullSlot = await slot(`${gateway.queues.bullPrefix}:deliver-land:wait`);
    expect(bullSlot).toBe(await slot(`${gateway.queues.bullPrefix}:portal-sync:events`));
    // The keys are really there, on the cluster.
    const owner = admin.nodes('master');
    const counts = await Promise.all(owner.map((n) => n.dbsize()));
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    const ready = await fetch(`${gateway.url!}/readyz`);
    expect(ready.status).toBe(200);
  });
});
