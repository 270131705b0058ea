import type { Redis } from 'ioredis';
import type { Router } from 'express';
import type { SystemAdapter } from '../adapters/adapter.js';
import type { AuditLog } from '../admin/audit-log.js';
import type { GatewayConfig } from '../config/config.js';
import { messageLogRouter } from '../http/routes/message-log.js';
import type { Logger } from '../logging/logger.js';
import type { DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import { inboundExchangeRecorder } from './inbound-exchanges.js';
import { MessageLog, messageLogSettings } from './message-log.js';
import { MessageLogRetention } from './message-log-retention.js';
import { scopedAdapter } from './scoped-adapter.js';

/**
 * The message log as the gateway builds it (issue 9): the log itself (null when
 * `messageLog.enabled` is false), the hooks that feed it (adapters in exchange scopes, the inbound
 * recorder before the routes) and its retention pass.
 */
export class MessageLogging {
  readonly log: MessageLog | null;
  /** Removes whole chains past `messageLog.retentionDays` (started on worker processes). */
  readonly retention: MessageLogRetention | null;

  constructor(
    private readonly d: {
      config: GatewayConfig;
      redis: Redis;
      keys: Keys;
      store: DossierStore;
      audit: AuditLog;
      logger: Logger;
    },
  ) {
    const settings = messageLogSettings(d.config);
    this.log = settings.enabled
      ? new MessageLog(d.redis, d.keys.prefix, settings, d.logger.child({ component: 'message-log' }))
      : null;
    this.retention = this.log
      ? new MessageLogRetention({
          redis: d.redis,
          prefix: d.keys.prefix,
          log: this.log,
          audit: d.audit,
          everyMs: d.config.retention.intervalMs,
          logger: d.logger,
        })
      : null;
  }

  /** The adapter whose calls are recorded (itself when the log is off). */
  adapter(a: SystemAdapter): SystemAdapter {
    return this.log ? scopedAdapter(a, this.log) : a;
  }

  /** Routers for the API: the inbound recorder (first, before the routes it watches) and the admin routes. */
  routers(): { before: Router[]; after: Router[] } {
    const { config, store } = this.d;
    const after = [messageLogRouter({ config, log: this.log, store })];
    if (!this.log) return { before: [], after };
    const recorder = this.log;
    return {
      before: [
        inboundExchangeRecorder({
          recorder,
          knows: (M) => store.exists(M),
          onError: (err) => this.d.logger.warn({ err }, 'recording an inbound message failed'),
        }),
      ],
      after,
    };
  }

  startWorkerSide(): void {
    this.retention?.start();
  }

  /** Stops the retention pass and waits (at most 2 s) for the appends still queued. */
  async stop(): Promise<void> {
    this.retention?.stop();
    if (this.log) await Promise.race([this.log.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}
