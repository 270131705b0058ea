import type { Redis } from 'ioredis';
import type { AuditLog } from '../admin/audit-log.js';
import type { Logger } from '../logging/logger.js';
import type { MessageLog } from './message-log.js';

/**
 * Removes the message log's whole chains past `messageLog.retentionDays`, on the worker side, every
 * `retention.intervalMs`, one process at a time (a Redis lock). Each pass that removes anything is
 * an audit entry, so a chain that is gone is either in the audit log or a broken link.
 */
export class MessageLogRetention {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly d: {
      redis: Redis;
      prefix: string;
      log: MessageLog;
      audit: AuditLog;
      everyMs: number;
      logger: Logger;
    },
  ) {}

  start(): void {
    this.timer = setInterval(
      () =>
        void this.run().catch((err: unknown) => this.d.logger.warn({ err }, 'message log retention failed')),
      this.d.everyMs,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async run(now = Date.now()): Promise<string[] | null> {
    const lock = `${this.d.prefix}:lock:message-log-retention`;
    if ((await this.d.redis.set(lock, String(process.pid), 'PX', 10 * 60_000, 'NX')) !== 'OK') return null;
    try {
      const purged = await this.d.log.purgeExpired(now);
      if (purged.length > 0) {
        await this.d.audit.append({
          actor: { name: 'retention', role: 'system' },
          action: 'purge',
          target: 'message-log',
          dossiers: purged,
          reason: `newest message older than ${this.d.log.settings.retentionDays} days (messageLog.retentionDays)`,
        });
        this.d.logger.info({ chains: purged.length }, 'message log chains past retention removed');
      }
      return purged;
    } finally {
      await this.d.redis.del(lock).catch(() => undefined);
    }
  }
}
