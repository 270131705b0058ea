import type { Redis } from 'ioredis';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import type { DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { Queues } from './queues.js';

const SWEEP_BATCH = 200;

function splitChain(member: string): { M: string; system: SystemId } {
  const bar = member.lastIndexOf('|');
  return { M: member.slice(0, bar), system: member.slice(bar + 1) as SystemId };
}

/**
 * Re-enqueues work whose job is missing: a chain head with no job (a crash between storing and
 * enqueuing, a Redis restart that lost recent queue writes), or a dossier whose events or portal
 * operations wait without a sync job. Enqueuing is idempotent, so sweeping never duplicates work;
 * one worker process sweeps per interval (a Redis lock).
 */
export class Sweeper {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      store: DossierStore;
      queues: Queues;
      log: Logger;
      intervalMs?: number;
    },
  ) {}

  start(): void {
    const every = this.d.intervalMs ?? 30_000;
    this.timer = setInterval(
      () => void this.sweep().catch((err: unknown) => this.d.log.warn({ err }, 'sweep failed')),
      every,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async sweep(): Promise<{ chains: number; syncs: number }> {
    const { redis, keys, queues } = this.d;
    const lock = `${keys.prefix}:lock:sweeper`;
    if ((await redis.set(lock, String(process.pid), 'EX', 20, 'NX')) !== 'OK') return { chains: 0, syncs: 0 };
    let chains = 0;
    let syncs = 0;
    // In batches whose reads and kicks go out together: a backlog of 10,000 chains is a few hundred
    // round trips, not 40,000 one after the other.
    const members = await redis.smembers(keys.pendingChains());
    for (let i = 0; i < members.length; i += SWEEP_BATCH) {
      const batch = members
        .slice(i, i + SWEEP_BATCH)
        .map((member) => ({ member, ...splitChain(member) }))
        .filter((c) => queues.delivery.has(c.system));
      const heads = await Promise.all(batch.map((c) => redis.lindex(keys.chain(c.M, c.system), 0)));
      const states = await Promise.all(
        batch.map((c, j) => (heads[j] ? redis.hget(keys.delivery(heads[j], c.M), 'state') : null)),
      );
      await Promise.all(
        batch.map(async (c, j) => {
          const head = heads[j];
          if (!head) {
            await redis.srem(keys.pendingChains(), c.member);
            return;
          }
          // A dead or failed head waits for an administrator (replay or resolve), not for the sweeper.
          const state = states[j];
          if (state === 'dead' || state === 'failed' || state === 'resolved') return;
          await queues.kickDelivery({ deliveryId: head, MaHoSo: c.M, system: c.system });
          chains += 1;
        }),
      );
    }
    const pendingSync = await redis.smembers(keys.pendingSync());
    const quietSince = Date.now() - (this.d.intervalMs ?? 30_000);
    for (let i = 0; i < pendingSync.length; i += SWEEP_BATCH) {
      const batch = pendingSync.slice(i, i + SWEEP_BATCH);
      // An event that arrived within the last interval kicked its own sync job: only a dossier quiet
      // for longer may have lost it. One sweep job per dossier at a time, so sweeps during a portal
      // outage do not pile up jobs.
      const arrivals = await Promise.all(batch.map((M) => redis.hget(keys.dossier(M), 'lastArrival')));
      const stale = batch.filter((_M, j) => !(Number(arrivals[j] ?? 0) > quietSince));
      await Promise.all(stale.map((M) => queues.kickSync(M, 0, undefined, true)));
      syncs += stale.length;
    }
    return { chains, syncs };
  }
}
