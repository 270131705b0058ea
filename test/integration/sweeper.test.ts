import { Worker, type Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queues, type DeliveryJob } from '../../src/delivery/queues.js';
import { Sweeper } from '../../src/delivery/sweeper.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';

// A gateway in mode 'api': it stores and enqueues, but no worker takes the jobs, so the queue can
// be looked at (and damaged) as a crash would leave it.
let stack: Stack;
let land: Queue<DeliveryJob>;
let sweeper: Sweeper;
beforeAll(async () => {
  stack = await startStack({ name: 'sweeper', mode: 'api' });
  const g = stack.gateway!;
  land = g.queues.delivery.get('land')!;
  sweeper = new Sweeper({ redis: g.store.redis, keys: g.keys, store: g.store, queues: g.queues, log: g.log });
});
afterAll(async () => {
  await stack?.close();
});

async function pushed(): Promise<{ M: string; id: string }> {
  const M = nextCode('SWP');
  stack.portal.seed(landDossier(M));
  const push = await stack.portal.push(M);
  expect(push.lastStatusCode).toBe(202);
  const [d] = await stack.gateway!.store.deliveries(M);
  return { M, id: d!.id };
}

describe('kicks and the sweeper', () => {
  it('When a delivery job has completed but the delivery is queued again, then a kick replaces the job', async () => {
    const queues = stack.gateway!.queues;
    const job: DeliveryJob = { deliveryId: `${nextCode('SWPC')}~land~tiepnhan`, MaHoSo: 'x', system: 'land' };
    await queues.enqueueNew(job);
    // Take and complete it by hand (BullMQ's manual processing), as a worker would have.
    const worker = new Worker(Queues.deliveryQueueName('land'), null, {
      connection: stack.gateway!.store.redis.duplicate({ maxRetriesPerRequest: null }),
      prefix: queues.bullPrefix,
    });
    try {
      const taken = await worker.getNextJob('tok');
      expect(taken?.id).toBe(job.deliveryId);
      await taken!.moveToCompleted('done', 'tok', false);
    } finally {
      await worker.close();
    }
    expect(await queues.jobPresence(land, job.deliveryId)).toBe('completed');
    await queues.kickDelivery(job);
    expect(await land.getJobState(job.deliveryId)).toBe('waiting');
    await land.remove(job.deliveryId);
    expect(await queues.jobPresence(land, job.deliveryId)).toBe('none');
  });

  it('When a postponed job is kicked with wake, then it runs now; without wake it keeps its time', async () => {
    const queues = stack.gateway!.queues;
    const job: DeliveryJob = { deliveryId: `${nextCode('SWPD')}~land~tiepnhan`, MaHoSo: 'x', system: 'land' };
    await land.add('deliver', job, { jobId: job.deliveryId, delay: 60_000 });
    expect(await queues.jobPresence(land, job.deliveryId)).toBe('delayed');
    await queues.kickDelivery(job);
    expect(await land.getJobState(job.deliveryId)).toBe('delayed');
    await queues.kickDelivery(job, { wake: true });
    expect(await land.getJobState(job.deliveryId)).toBe('waiting');
    expect(await queues.jobPresence(land, job.deliveryId)).toBe('other');
    await land.remove(job.deliveryId);
  });

  it('When a chain head lost its job (crash between storing and enqueuing), then a sweep enqueues it once', async () => {
    const a = await pushed();
    const b = await pushed();
    expect(await land.getJobState(a.id)).toBe('waiting');
    await land.remove(a.id);
    expect(await land.getJob(a.id)).toBeUndefined();
    const before = await land.getWaitingCount();
    const swept = await sweeper.sweep();
    expect(swept.chains).toBeGreaterThanOrEqual(2);
    expect(await land.getJobState(a.id)).toBe('waiting');
    expect(await land.getJobState(b.id)).toBe('waiting');
    // Only the lost one was added: B's job was not doubled.
    expect(await land.getWaitingCount()).toBe(before + 1);
    // A second sweep (the first one's lock released) changes nothing.
    await stack.gateway!.store.redis.del(`${stack.gateway!.keys.prefix}:lock:sweeper`);
    expect((await sweeper.sweep()).chains).toBeGreaterThanOrEqual(2);
    expect(await land.getWaitingCount()).toBe(before + 1);
  });

  it('When a chain head is dead, then the sweeper leaves it to an administrator', async () => {
    const g = stack.gateway!;
    const c = await pushed();
    await land.remove(c.id);
    await g.store.redis.hset(g.keys.delivery(c.id, c.M), 'state', 'dead');
    await g.store.redis.del(`${g.keys.prefix}:lock:sweeper`);
    await sweeper.sweep();
    expect(await land.getJob(c.id)).toBeUndefined();
  });

  it('When a dossier waits for a portal sync sweep after sweep, then one sweep job waits for it, not one per sweep', async () => {
    const g = stack.gateway!;
    const M = nextCode('SWPS');
    await g.store.redis.sadd(g.keys.pendingSync(), M);
    for (let i = 0; i < 3; i += 1) {
      await g.store.redis.del(`${g.keys.prefix}:lock:sweeper`);
      const r = await sweeper.sweep();
      expect(r.syncs).toBeGreaterThanOrEqual(1);
    }
    const waiting = await g.queues.sync.getWaiting();
    expect(waiting.filter((j) => j.data.MaHoSo === M).map((j) => j.id)).toEqual([`sweep~${M}`]);
    await g.store.redis.srem(g.keys.pendingSync(), M);
  });

  it('When an event arrived for a dossier moments ago, then the sweeper leaves its sync to the job that event kicked', async () => {
    const g = stack.gateway!;
    const M = nextCode('SWPR');
    await g.store.redis.hset(g.keys.dossier(M), 'lastArrival', String(Date.now()));
    await g.store.redis.sadd(g.keys.pendingSync(), M);
    await g.store.redis.del(`${g.keys.prefix}:lock:sweeper`);
    await sweeper.sweep();
    expect(await g.queues.sync.getJob(`sweep~${M}`)).toBeUndefined();
    // Quiet for longer than the sweep interval: its job may be lost, so the sweeper kicks one.
    await g.store.redis.hset(g.keys.dossier(M), 'lastArrival', String(Date.now() - 60_000));
    await g.store.redis.del(`${g.keys.prefix}:lock:sweeper`);
    await sweeper.sweep();
    expect(await g.queues.sync.getJob(`sweep~${M}`)).toBeDefined();
    await g.store.redis.srem(g.keys.pendingSync(), M);
    await g.store.redis.del(g.keys.dossier(M));
  });
});
