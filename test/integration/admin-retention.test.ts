import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../helpers/admin.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { formatLocalIso } from '../../src/domain/time.js';

const DAY = 24 * 3600 * 1000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'admin-retention',
    patch: (raw) => {
      // Jobs are trimmed as soon as they finish; the ledger keeps dossiers for two years (the default).
      raw.retention = { completedJobsMaxAgeSeconds: 0, failedJobsMaxAgeSeconds: 0 };
      const land = (raw.systems as Record<string, Record<string, unknown>>).land!;
      land.retry = { attempts: 1, backoffMs: 10, maxBackoffMs: 10 };
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

/** Makes a dossier look received and last touched `days` ago (what time would do). */
async function age(M: string, days: number): Promise<void> {
  const { redis } = stack.gateway!.store;
  const keys = stack.gateway!.keys;
  const then = Date.now() - days * DAY;
  await redis.zadd(keys.allDossiers(), then, M);
  await redis.hset(keys.dossier(M), {
    receivedAt: formatLocalIso(new Date(then)),
    updatedAt: formatLocalIso(new Date(then)),
  });
}

async function push(M: string): Promise<void> {
  stack.portal.seed(landDossier(M));
  await stack.portal.push(M);
}

describe('retention', () => {
  it('When the retention pass runs, then finished jobs are trimmed, a dossier re-sent within two years is still a duplicate, and an idle one older than that is purged', async () => {
    const { land, portal, gateway } = stack;
    const q = gateway!.queues.delivery.get('land')!;
    const recent = nextCode('RET');
    const old = nextCode('RET');
    const dead = nextCode('RET');
    await push(recent);
    await push(old);
    await waitFor('both entered', () => land.entries(recent) === 1 && land.entries(old) === 1);
    land.setFaults({ failNext: 1, failStatus: 503 });
    await push(dead);
    await waitFor('dead', async () => (await gateway!.store.deliveries(dead))[0]?.state === 'dead');
    await waitFor(
      'jobs finished',
      async () => (await q.getJob(`${recent}~land~tiepnhan`))?.finishedOn !== undefined,
    );
    await age(recent, 365);
    await age(old, 3 * 365);
    await age(dead, 3 * 365);

    const report = await gateway!.admin.retention.run();
    expect(report).not.toBeNull();
    expect(report!.completedJobs).toBeGreaterThanOrEqual(2);
    expect(report!.failedJobs).toBeGreaterThanOrEqual(1);
    expect(await q.getJob(`${recent}~land~tiepnhan`)).toBeUndefined();
    expect(await q.getJob(`${dead}~land~tiepnhan`)).toBeUndefined();
    expect(report!.dossiersPurged).toEqual([old]);

    // A year later the portal sends the same version again: still a duplicate, nothing sent.
    const calls = land.counters().tiepnhanCalls;
    const again = await portal.redeliverLast(recent);
    expect(again.lastStatusCode).toBe(200);
    await sleep(500);
    expect(land.entries(recent)).toBe(1);
    expect(land.counters().tiepnhanCalls).toBe(calls);

    // The purged dossier left nothing behind; the dead one is kept (work is outstanding).
    const { redis } = gateway!.store;
    const keys = gateway!.keys;
    expect(await gateway!.store.get(old)).toBeNull();
    expect(
      await redis.exists(keys.digests(old), keys.deliveries(old), keys.delivery(`${old}~land~tiepnhan`, old)),
    ).toBe(0);
    expect(await redis.zscore(keys.deliveriesInState('delivered'), `${old}~land~tiepnhan`)).toBeNull();
    expect(await redis.zscore(keys.allDossiers(), old)).toBeNull();
    expect(await gateway!.store.get(dead)).not.toBeNull();

    // The dead delivery lost its failed job but not its ledger: a stray job does nothing, a replay re-adds it by id.
    await gateway!.queues.kickDelivery({ deliveryId: `${dead}~land~tiepnhan`, MaHoSo: dead, system: 'land' });
    await sleep(400);
    expect(land.entries(dead)).toBe(0);
    expect((await gateway!.store.deliveries(dead))[0]!.state).toBe('dead');
    const r = await adminCall<{ job: string }>(
      stack.gatewayUrl,
      'POST',
      `/admin/deliveries/${encodeURIComponent(`${dead}~land~tiepnhan`)}/replay`,
      { body: { reason: 'replay after retention trimmed its job' } },
    );
    expect(r.status).toBe(200);
    await waitFor('delivered', () => land.entries(dead) === 1);

    const purge = (
      await adminCall<{ items: Array<{ actor: string; action: string; dossiers: string[] }> }>(
        stack.gatewayUrl,
        'GET',
        '/admin/audit?action=purge',
      )
    ).body.items;
    expect(purge).toHaveLength(1);
    expect(purge[0]).toMatchObject({ actor: 'retention', dossiers: [old] });
  });
});
