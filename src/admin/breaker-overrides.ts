import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Breakers } from '../delivery/breakers.js';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import { nowIso } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';

/**
 * Runs in every worker process: applies the breaker states an administrator forced (a Redis hash)
 * to this process's breakers, and reports what this process sees, so `GET /admin/systems` shows
 * the breaker of every worker and not only of the process that answers.
 */
export class BreakerOverrides {
  private timer: NodeJS.Timeout | null = null;
  readonly process = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 6)}`;

  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      breakers: Breakers;
      systems: readonly SystemId[];
      everyMs: number;
      log: Logger;
    },
  ) {}

  async sync(): Promise<void> {
    const { redis, keys, breakers, systems } = this.d;
    const forced = await redis.hgetall(keys.forcedBreakers());
    for (const s of systems) {
      const f = forced[s];
      breakers.force(s, f === 'open' || f === 'closed' ? f : undefined);
    }
    const own = breakers.states();
    const states: Record<string, string> = {};
    for (const s of systems) states[s] = forced[s] ? `forced-${forced[s]}` : (own[s] ?? 'closed');
    await redis.hset(
      keys.observedBreakers(),
      this.process,
      JSON.stringify({ process: this.process, at: nowIso(), ms: Date.now(), states }),
    );
  }

  async start(): Promise<void> {
    await this.sync().catch((err: unknown) => this.d.log.warn({ err }, 'breaker overrides not read'));
    this.timer = setInterval(
      () => void this.sync().catch((err: unknown) => this.d.log.warn({ err }, 'breaker overrides not read')),
      this.d.everyMs,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.d.redis.hdel(this.d.keys.observedBreakers(), this.process).catch(() => undefined);
  }
}
