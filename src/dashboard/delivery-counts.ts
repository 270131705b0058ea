import type { Redis } from 'ioredis';
import type { DeliveryState } from '../domain/delivery.js';
import type { Keys } from '../store/keys.js';

/** The delivery states an administrator has to look at: waiting ones and failed ones. */
export const WATCHED_STATES = [
  'queued',
  'delivering',
  'retrying',
  'failed',
  'dead',
] as const satisfies readonly DeliveryState[];
export type WatchedState = (typeof WATCHED_STATES)[number];

export type DeliveryCounts = Record<string, Record<WatchedState, number>>;

export function emptyStateCounts(): Record<WatchedState, number> {
  return { queued: 0, delivering: 0, retrying: 0, failed: 0, dead: 0 };
}

/**
 * Per system, how many deliveries are in each watched state, read from the per-state sorted sets
 * `idx:dl:<state>` whose members are delivery ids `MaHoSo~system~intent`.
 *
 * @remarks Members are scanned (ZSCAN) rather than fetched whole, so a large backlog after a long
 * outage is read in pages without blocking Redis; "delivered" is never read (it only grows).
 */
export async function readDeliveryCounts(redis: Redis, keys: Keys): Promise<DeliveryCounts> {
  const out: DeliveryCounts = {};
  for (const state of WATCHED_STATES) {
    let cursor = '0';
    do {
      const [next, flat] = await redis.zscan(keys.deliveriesInState(state), cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) {
        const system = flat[i]?.split('~')[1];
        if (!system) continue;
        (out[system] ??= emptyStateCounts())[state] += 1;
      }
    } while (cursor !== '0');
  }
  return out;
}
