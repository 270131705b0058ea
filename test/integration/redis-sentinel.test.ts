import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logging/logger.js';
import { startWorld, type World } from '../../src/simulators/world.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startRedisSentinel, type LocalSentinel } from '../helpers/redis-topologies.js';
import { TEST_ENV } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let sentinel: LocalSentinel;
let world: World;
let gateway: Gateway;

beforeAll(async () => {
  sentinel = await startRedisSentinel();
  world = await startWorld({
    systems: 'land',
    redisUrl: 'redis://127.0.0.1:1',
    prefix: 'lts',
    pace: 'test',
    logLevel: process.env.LIENTHONG_TEST_LOG ?? 'silent',
  });
  const raw = world.rawConfig;
  raw.redis = {
    mode: 'sentinel',
    sentinels: sentinel.sentinels,
    masterName: sentinel.masterName,
    prefix: 'lts',
  };
  const config = parseConfig(raw, { env: TEST_ENV, readFile: (p) => readFileSync(p, 'utf8') });
  gateway = new Gateway(config, 'all', createLogger(config.log.level, { test: 'sentinel' }));
  await gateway.start();
  world.connect(gateway.url!);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await world?.close();
  await sentinel?.stop();
});

describe('Redis behind Sentinel', () => {
  it('When the master fails over to its replica in the middle of a dossier, then the gateway follows the new master and the dossier still runs once to 9', async () => {
    const { land, portal } = world;
    const M = nextCode('SEN');
    portal.seed(landDossier(M));
    expect((await portal.push(M)).lastStatusCode).toBe(202);
    await waitFor('tiepnhan at the land registry', () => land.entries(M) === 1, 20_000);
    await waitFor(
      'delivered',
      async () => (await gateway.store.delivery(M, `${M}~land~tiepnhan`))?.state === 'delivered',
    );

    // WAIT: the replica has everything so far, as a real failover of a synced replica would.
    await gateway.store.redis.call('WAIT', '1', '2000');
    await sentinel.failover();

    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('status 4 at the portal', () => portal.record(M)?.TrangThaiHoSo === '4', 30_000);
    land.finish(M, { TrangThaiKetThuc: 0 });
    await waitFor(
      'status 9 and its row at the portal',
      () => portal.progress(M).some((r) => r.TrangThai === '9'),
      30_000,
    );
    expect(land.entries(M)).toBe(1);
    expect(portal.progress(M).map((r) => r.TrangThai)).toEqual(['4', '9']);
    expect(portal.duplicateProgressRows(M)).toEqual([]);

    // A new dossier after the failover is stored on the new master.
    const N = nextCode('SEN2');
    portal.seed(landDossier(N));
    expect((await portal.push(N)).lastStatusCode).toBe(202);
    await waitFor('second dossier entered', () => land.entries(N) === 1, 20_000);
  }, 90_000);
});
