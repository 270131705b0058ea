import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';

/** At most this many pending dossiers are read per scrape (one pipelined HMGET each). */
export const SYNC_BACKLOG_SCAN_LIMIT = 10_000;

/**
 * Seconds since the oldest event still on its way to the portal arrived, over the dossiers with
 * pending portal work (the sweeper's list); 0 when nothing is pending.
 *
 * @remarks This is what an alert needs while the portal is down: the lag histogram is observed
 * only when the portal acknowledges, so it is silent exactly then. A dossier's pending work starts
 * at `firstPendingArrival` (events in the reorder window) or `syncPendingSince` (applied, waiting
 * in the outbox). Beyond {@link SYNC_BACKLOG_SCAN_LIMIT} pending dossiers the value is a lower
 * bound (the set is read unordered).
 */
export async function oldestPendingSyncSeconds(redis: Redis, keys: Keys, now = Date.now()): Promise<number> {
  const members: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.sscan(keys.pendingSync(), cursor, 'COUNT', 1000);
    members.push(...batch);
    cursor = next;
  } while (cursor !== '0' && members.length < SYNC_BACKLOG_SCAN_LIMIT);
  if (members.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const M of members.slice(0, SYNC_BACKLOG_SCAN_LIMIT))
    pipeline.hmget(keys.dossier(M), 'firstPendingArrival', 'syncPendingSince');
  const results = (await pipeline.exec()) ?? [];
  let oldest = now;
  for (const [err, value] of results) {
    if (err) continue;
    for (const v of value as Array<string | null>) {
      const t = Number(v);
      if (v && Number.isFinite(t) && t > 0 && t < oldest) oldest = t;
    }
  }
  return Math.max(0, (now - oldest) / 1000);
}
