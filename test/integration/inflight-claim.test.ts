import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimInflight,
  inflightMayStillRun,
  INFLIGHT_MARGIN_MS,
  unclaimInflight,
} from '../../src/delivery/inflight-claim.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('claim');
let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await dropPrefix(prefix);
});

describe('in-flight claims', () => {
  it('When a claim is taken back, then the mark is what it was before: none, or the earlier unknown outcome', async () => {
    const fresh = `${prefix}:dl:a`;
    await redis.hset(fresh, 'state', 'queued');
    expect(await claimInflight(redis, fresh, null, 'T1')).toBe(true);
    expect(await redis.hget(fresh, 'inflightSince')).toBe('T1');
    expect(await unclaimInflight(redis, fresh, 'T1', null)).toBe(true);
    expect(await redis.hget(fresh, 'inflightSince')).toBeNull();

    // An earlier attempt's outcome is unknown (T0): taking back this run's claim must keep T0.
    const earlier = `${prefix}:dl:b`;
    await redis.hset(earlier, { state: 'retrying', inflightSince: 'T0' });
    expect(await claimInflight(redis, earlier, 'T0', 'T1')).toBe(true);
    expect(await unclaimInflight(redis, earlier, 'T1', 'T0')).toBe(true);
    expect(await redis.hget(earlier, 'inflightSince')).toBe('T0');

    // A claim made in the same second as an answered one must not inherit its "answered".
    const same = `${prefix}:dl:d`;
    await redis.hset(same, { state: 'retrying', inflightSince: 'T5', inflightAnswered: 'T5' });
    expect(await claimInflight(redis, same, 'T5', 'T5')).toBe(true);
    expect(await redis.hget(same, 'inflightAnswered')).toBeNull();
  });

  it("When another run claimed since, then taking back one's own claim changes nothing", async () => {
    const k = `${prefix}:dl:c`;
    await redis.hset(k, 'state', 'queued');
    expect(await claimInflight(redis, k, null, 'T1')).toBe(true);
    // A second run, its lock lost by the first, claimed over it (it read T1).
    expect(await claimInflight(redis, k, 'T1', 'T2')).toBe(true);
    expect(await claimInflight(redis, k, 'T1', 'T3')).toBe(false);
    expect(await unclaimInflight(redis, k, 'T1', null)).toBe(false);
    expect(await redis.hget(k, 'inflightSince')).toBe('T2');
  });

  it('When the earlier request was answered (a 503), then the lookup may run at once; unanswered, it waits out the timeout', () => {
    const since = '2026-11-22T10:00:00+07:00';
    const now = Date.parse(since) + 1000;
    const unanswered = inflightMayStillRun({ state: 'retrying', inflightSince: since }, 30_000, now);
    expect(unanswered).toBe(30_000 + INFLIGHT_MARGIN_MS - 1000);
    expect(
      inflightMayStillRun({ state: 'retrying', inflightSince: since, inflightAnswered: since }, 30_000, now),
    ).toBe(0);
    // An answer to an older claim says nothing of the newer one.
    expect(
      inflightMayStillRun(
        { state: 'retrying', inflightSince: since, inflightAnswered: '2026-11-22T09:59:00+07:00' },
        30_000,
        now,
      ),
    ).toBe(unanswered);
  });
});
