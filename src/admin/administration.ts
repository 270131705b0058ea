import type { Router } from 'express';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config/config.js';
import type { Breakers } from '../delivery/breakers.js';
import type { Queues } from '../delivery/queues.js';
import type { SystemId } from '../domain/system-event.js';
import { adminRouter } from '../http/routes/admin.js';
import { adminQueuesRouter } from '../http/routes/admin-queues.js';
import type { Logger } from '../logging/logger.js';
import type { DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import { AuditLog } from './audit-log.js';
import { BreakerOverrides } from './breaker-overrides.js';
import { DeliveryAdmin } from './delivery-admin.js';
import { DeliveryQuery } from './delivery-query.js';
import { ReplayRunner } from './replay-runner.js';
import { Retention } from './retention.js';
import { SyncReplay } from './sync-replay.js';
import { SystemControl } from './system-control.js';

/**
 * Everything administrators use (issue 5), built once by the gateway: the API side (routes, bulk
 * replays) and the worker side (forced breaker states, the retention pass).
 */
export class Administration {
  readonly audit: AuditLog;
  readonly query: DeliveryQuery;
  readonly deliveries: DeliveryAdmin;
  readonly replays: ReplayRunner;
  readonly syncs: SyncReplay;
  readonly control: SystemControl;
  readonly retention: Retention;
  private overrides: BreakerOverrides | null = null;

  constructor(
    private readonly d: {
      config: GatewayConfig;
      redis: Redis;
      keys: Keys;
      store: DossierStore;
      queues: Queues;
      log: Logger;
    },
  ) {
    const { config, redis, keys, store, queues } = d;
    const log = d.log.child({ component: 'admin' });
    this.audit = new AuditLog(redis, keys);
    this.query = new DeliveryQuery(redis, keys);
    this.deliveries = new DeliveryAdmin({ redis, keys, store, queues, audit: this.audit, log });
    this.replays = new ReplayRunner({
      config,
      redis,
      keys,
      query: this.query,
      admin: this.deliveries,
      audit: this.audit,
      log,
    });
    this.syncs = new SyncReplay({ redis, keys, store, queues, audit: this.audit });
    this.control = new SystemControl({ redis, keys, queues, audit: this.audit });
    this.retention = new Retention({ config, redis, keys, queues, audit: this.audit, log });
  }

  routers(): Router[] {
    const { config, queues } = this.d;
    return [
      adminRouter({
        config,
        systems: [...queues.delivery.keys()],
        query: this.query,
        deliveries: this.deliveries,
        replays: this.replays,
        syncs: this.syncs,
        control: this.control,
        audit: this.audit,
      }),
      adminQueuesRouter({ config, queues }),
    ];
  }

  /** Worker processes: honour forced breaker states, report their own, run the retention pass. */
  async startWorkerSide(breakers: Breakers, systems: readonly SystemId[]): Promise<void> {
    const { redis, keys, config, log } = this.d;
    this.overrides = new BreakerOverrides({
      redis,
      keys,
      breakers,
      systems,
      everyMs: config.admin.breakerSyncMs,
      log,
    });
    await this.overrides.start();
    this.retention.start();
  }

  async stop(): Promise<void> {
    this.replays.stop();
    await Promise.race([this.replays.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.retention.stop();
    await this.overrides?.stop();
  }
}
