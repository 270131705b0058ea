import type { Redis } from 'ioredis';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import type { DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { Queues } from './queues.js';

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
    for (const member of await redis.smembers(keys.pendingChains())) {
      const [M, system] = member.split('|') as [string, SystemId];
      if (!queues.delivery.has(system)) continue;
      const head = await redis.lindex(keys.chain(M, system), 0);
      if (!head) {
        await redis.srem(keys.pendingChains(), member);
        continue;
      }
      // A dead or failed head waits for an administrator (replay or resolve), not for the sweeper.
      const state = await redis.hget(keys.delivery(head, M), 'state');
      if (state === 'dead' || state === 'failed' || state === 'resolved') continue;
      await queues.kickDelivery({ deliveryId: head, MaHoSo: M, system });
      chains += 1;
    }
    for (const M of await redis.smembers(keys.pendingSync())) {
      await queues.kickSync(M);
      syncs += 1;
    }
    return { chains, syncs };
  }
}
