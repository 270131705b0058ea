import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import type { Keys } from '../store/keys.js';
import type { Breakers } from './breakers.js';

/** Writes `<until>|<by>` unless a record that lasts as long or longer is already there. */
const EXTEND = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local u = tonumber(string.match(cur, '^(%d+)'))
  if u and u >= tonumber(ARGV[2]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
return 1
`;

interface BreakerMessage {
  system: SystemId;
  /** Open until (ms since the epoch); absent when the breaker closed. */
  until?: number;
  by: string;
}

export interface SharedBreakerStateDeps {
  redis: Redis;
  /** A connection of its own for SUBSCRIBE (a subscribed connection can run nothing else). */
  subscriber: Redis;
  keys: Keys;
  breakers: Breakers;
  systems: readonly SystemId[];
  /**
   * How long past the opener's reset timeout the others keep holding: the time its trial call may
   * take (the system's request timeout), so the one trial decides before everyone else resumes.
   */
  trialGraceMs: (system: SystemId) => number;
  /** How often the records are re-read (pub/sub messages are lost while a connection is down). */
  refreshMs: number;
  log: Logger;
}

/**
 * Makes one worker process's open circuit breaker known to every other worker process.
 *
 * @remarks opossum keeps a breaker's state in its process: with three workers, a downed system
 * would take three times the failed calls to stop, and get three trial calls after each reset
 * timeout. Here, when a breaker opens in one worker, that worker writes "open until T" (T = now +
 * its reset timeout) in a Redis hash and publishes it; every other worker treats the system as open
 * until T plus a grace (the time the opener's trial call may take): its jobs are postponed without
 * spending attempts, exactly as under its own open breaker. The opener's half-open trial decides
 * for everyone: if it fails, the breaker reopens and publishes a later T; if it succeeds, the
 * breaker closes, the record is deleted and the others resume at once. If the opener dies, the
 * record simply runs out. Records are re-read every `refreshMs`, so a worker that missed a message
 * (a reconnect) or started later catches up. An administrator's forced state still wins.
 */
export class SharedBreakerState {
  readonly id = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners: Array<() => void> = [];
  /** When each system's last message arrived: a refresh that started before it does not undo it. */
  private readonly messageAt = new Map<SystemId, number>();

  constructor(private readonly d: SharedBreakerStateDeps) {}

  async start(): Promise<void> {
    const { subscriber, keys, breakers, systems } = this.d;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === keys.breakerChannel()) this.onMessage(message);
    });
    await subscriber.subscribe(keys.breakerChannel());
    for (const s of systems) {
      const b = breakers.get(s);
      const onOpen = (): void => void this.opened(s);
      const onClose = (): void => void this.closed(s);
      b.on('open', onOpen);
      b.on('close', onClose);
      this.listeners.push(() => {
        b.removeListener('open', onOpen);
        b.removeListener('close', onClose);
      });
    }
    await this.refresh().catch((err: unknown) => this.d.log.warn({ err }, 'shared breaker states not read'));
    this.timer = setInterval(
      () =>
        void this.refresh().catch((err: unknown) =>
          this.d.log.warn({ err }, 'shared breaker states not read'),
        ),
      this.d.refreshMs,
    );
    this.timer.unref();
  }

  private async opened(system: SystemId): Promise<void> {
    const { redis, keys } = this.d;
    const until = Date.now() + this.d.breakers.configuredResetTimeoutMs(system);
    try {
      await redis.eval(EXTEND, 1, keys.sharedBreakers(), system, String(until), this.id);
      await redis.publish(keys.breakerChannel(), JSON.stringify({ system, until, by: this.id }));
    } catch (err) {
      this.d.log.warn({ err, system }, 'open breaker not shared with the other workers');
    }
  }

  private async closed(system: SystemId): Promise<void> {
    const { redis, keys } = this.d;
    try {
      // A successful trial is evidence for every worker: the record goes, whoever wrote it.
      await redis.hdel(keys.sharedBreakers(), system);
      await redis.publish(keys.breakerChannel(), JSON.stringify({ system, by: this.id }));
    } catch (err) {
      this.d.log.warn({ err, system }, 'closed breaker not shared with the other workers');
    }
  }

  private onMessage(message: string): void {
    let m: BreakerMessage;
    try {
      m = JSON.parse(message) as BreakerMessage;
    } catch {
      return;
    }
    if (m.by === this.id || !this.d.systems.includes(m.system)) return;
    this.messageAt.set(m.system, Date.now());
    this.apply(m.system, m.until);
  }

  private apply(system: SystemId, until: number | undefined): void {
    this.d.breakers.shareOpen(system, until === undefined ? undefined : until + this.d.trialGraceMs(system));
  }

  /** Re-reads every record; drops those that ran out. */
  async refresh(): Promise<void> {
    const { redis, keys, systems } = this.d;
    const started = Date.now();
    const all = await redis.hgetall(keys.sharedBreakers());
    const now = Date.now();
    for (const s of systems) {
      if ((this.messageAt.get(s) ?? 0) >= started) continue;
      const rec = all[s];
      if (!rec) {
        this.apply(s, undefined);
        continue;
      }
      const sep = rec.indexOf('|');
      const until = Number(rec.slice(0, sep));
      const by = rec.slice(sep + 1);
      if (!Number.isFinite(until) || until + this.d.trialGraceMs(s) < now) {
        await redis.eval(
          "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0",
          1,
          keys.sharedBreakers(),
          s,
          rec,
        );
        this.apply(s, undefined);
      } else if (by !== this.id) this.apply(s, until);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const off of this.listeners.splice(0)) off();
    await this.d.subscriber.quit().catch(() => undefined);
  }
}
