import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InboundSink, SystemAdapter } from '../adapters/adapter.js';
import type { AuditLog } from '../admin/audit-log.js';
import type { GatewayConfig } from '../config/config.js';
import type { Queues } from '../delivery/queues.js';
import { SYSTEM_IDS, type SystemId } from '../domain/system-event.js';
import { reconciliationRouter } from '../http/routes/reconciliation.js';
import type { Logger } from '../logging/logger.js';
import type { PortalReply } from '../portal/portal-transport.js';
import type { DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import { FindingStore } from './finding-store.js';
import { ReconciliationAdmin, RECONCILE_JOB } from './reconciliation-admin.js';
import { Reconciler, type ReconcileJob } from './reconciler.js';
import { RunStore } from './run-store.js';
import { SentProgress } from './sent-progress.js';

/**
 * Reconciliation as the gateway builds it (issue 9): the stores, the administrators' side (routes,
 * on-demand runs) and the worker side (the scheduled runs on the poll queue).
 */
export class Reconciliation {
  readonly findings: FindingStore;
  readonly runs: RunStore;
  /** The gateway's record of the progress rows the portal accepted (fed by the portal transport). */
  readonly sent: SentProgress;
  readonly admin: ReconciliationAdmin;
  private reconciler: Reconciler | null = null;

  constructor(
    private readonly d: {
      config: GatewayConfig;
      redis: Redis;
      keys: Keys;
      store: DossierStore;
      queues: Queues;
      audit: AuditLog;
      adapters: ReadonlyMap<SystemId, SystemAdapter>;
      sink: InboundSink;
      log: Logger;
    },
  ) {
    const prefix = d.keys.prefix;
    this.findings = new FindingStore(d.redis, prefix);
    this.runs = new RunStore(d.redis, prefix);
    this.sent = new SentProgress(d.redis, prefix, d.config.retention.ledgerDays * 24 * 3600, d.log);
    this.admin = new ReconciliationAdmin({
      runs: this.runs,
      findings: this.findings,
      queues: d.queues,
      audit: d.audit,
    });
  }

  router() {
    return reconciliationRouter({
      config: this.d.config,
      admin: this.admin,
      parties: [...SYSTEM_IDS.filter((s) => this.d.adapters.has(s)), 'portal'],
    });
  }

  /**
   * Worker side: runs jobs with the portal's `TraCuuHoSo`, and schedules the periodic run (one per
   * tick for the cluster) when `reconciliation.enabled`.
   */
  async startWorkerSide(readPortal: (M: string, madonvi: string) => Promise<PortalReply>): Promise<void> {
    const d = this.d;
    this.reconciler = new Reconciler({
      config: d.config,
      redis: d.redis,
      keys: d.keys,
      store: d.store,
      adapters: d.adapters,
      readPortal,
      sink: d.sink,
      queues: d.queues,
      findings: this.findings,
      runs: this.runs,
      sent: this.sent,
      log: d.log,
    });
    const r = d.config.reconciliation;
    if (r.enabled) {
      await d.queues.poll.upsertJobScheduler(
        RECONCILE_JOB,
        { every: r.intervalMs },
        {
          name: RECONCILE_JOB,
          data: { system: 'land' },
          opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 }, attempts: 1 },
        },
      );
    } else await d.queues.poll.removeJobScheduler(RECONCILE_JOB).catch(() => undefined);
  }

  /** The poll worker's handler for `reconcile` jobs. */
  process(job: Job, token: string | undefined): Promise<string> {
    if (!this.reconciler) return Promise.resolve('reconciliation runs on worker processes');
    return this.reconciler.process(job as Job<ReconcileJob>, token);
  }
}
