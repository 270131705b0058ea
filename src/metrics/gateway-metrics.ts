import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryObservation, DeliveryObserver } from '../delivery/delivery-observer.js';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import type { SyncObserver } from '../portal/sync-observer.js';
import { QUEUE_STATES, readQueueDepth, type QueueDepth } from './queue-depth.js';

/** A scrape reads the queues once; a second scrape this soon after reuses that read. */
const DEPTH_READ_REUSE_MS = 250;

/** Breaker states as the gauge reports them. */
export const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export interface BreakerStateSource {
  /** The state of each system's breaker in this process, as opossum sees it. */
  states(): Record<string, keyof typeof BREAKER_STATE_VALUE>;
  /** Whether calls to the system are refused now (also when an administrator forced it). */
  isOpen(system: SystemId): boolean;
}

export interface GatewayMetricsDeps {
  queues: () => readonly Queue[];
  /** The breakers of this process; null where no worker runs (an api-only process never fires them). */
  breakers: BreakerStateSource | null;
  /** Seconds since the oldest event still on its way to the portal arrived. */
  syncBacklogSeconds: () => Promise<number>;
  /** `collectDefaultMetrics` (CPU, memory, event loop, GC) into this registry. */
  processMetrics: boolean;
  log: Logger;
}

/**
 * Every series the gateway exposes at `GET /metrics`, in a registry of its own (not prom-client's
 * global one), so several gateways in one process — as in the tests — never share a counter.
 *
 * @remarks Counters and histograms are updated where the work happens (the delivery processor,
 * the portal sync, the callback routes) through small observer interfaces those parts define, so
 * they know nothing of prom-client. Queue depth, breaker states, the sync backlog and overdue
 * dossiers are read when Prometheus scrapes, from Redis or this process; a read that fails leaves
 * its series out of that scrape rather than failing the whole answer.
 */
export class GatewayMetrics implements DeliveryObserver, SyncObserver {
  readonly registry = new Registry();
  /**
   * Hook for deadline tracking: counts the open dossiers whose appointment date (NgayHenTra) has
   * passed. Until something sets it, `lienthong_dossiers_overdue` reads 0.
   */
  overdueSource: (() => Promise<number>) | null = null;

  private readonly deliveries: Counter<'system' | 'operation' | 'outcome'>;
  private readonly attemptSeconds: Histogram<'system'>;
  private readonly latencySeconds: Histogram<'system'>;
  private readonly callbackSeconds: Histogram<'system' | 'code'>;
  private readonly syncLagSeconds: Histogram;
  private depthRead: { at: number; depths: Promise<QueueDepth[] | null> } | null = null;

  constructor(private readonly d: GatewayMetricsDeps) {
    const registers = [this.registry];
    this.deliveries = new Counter({
      name: 'lienthong_deliveries_total',
      help: 'Delivery job runs by system, operation and outcome (delivered, adopted, retry, failed, dead, postponed)',
      labelNames: ['system', 'operation', 'outcome'],
      registers,
    });
    this.attemptSeconds = new Histogram({
      name: 'lienthong_delivery_attempt_seconds',
      help: 'Duration of one delivery attempt at a system (lookup and request), whatever its outcome',
      labelNames: ['system'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.latencySeconds = new Histogram({
      name: 'lienthong_delivery_latency_seconds',
      help: 'From the creation of a delivery (the portal push that implied it) to its success at the system',
      labelNames: ['system'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers,
    });
    this.callbackSeconds = new Histogram({
      name: 'lienthong_callback_duration_seconds',
      help: 'Handling time of inbound calls from a system (callbacks, pushes), by system and HTTP status',
      labelNames: ['system', 'code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.syncLagSeconds = new Histogram({
      name: 'lienthong_portal_sync_lag_seconds',
      help: "From the arrival of a system's event at the gateway to the portal's acknowledgement of what it implied",
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    const queueJobs: Gauge<'queue' | 'state'> = new Gauge({
      name: 'lienthong_queue_jobs',
      help: 'Jobs per queue and state (waiting, active, delayed, failed), read at scrape time',
      labelNames: ['queue', 'state'],
      registers,
      collect: async () => {
        queueJobs.reset();
        for (const depth of (await this.queueDepths()) ?? [])
          for (const state of QUEUE_STATES) queueJobs.set({ queue: depth.queue, state }, depth.counts[state]);
      },
    });
    const oldestWaiting: Gauge<'queue'> = new Gauge({
      name: 'lienthong_queue_oldest_waiting_seconds',
      help: 'Age of the oldest waiting job per queue (0 when none waits), read at scrape time',
      labelNames: ['queue'],
      registers,
      collect: async () => {
        oldestWaiting.reset();
        for (const depth of (await this.queueDepths()) ?? [])
          oldestWaiting.set({ queue: depth.queue }, depth.oldestWaitingSeconds);
      },
    });
    const breakerState: Gauge<'system'> = new Gauge({
      name: 'lienthong_breaker_state',
      help: 'Circuit breaker per system in this process: 0 closed, 1 half-open, 2 open',
      labelNames: ['system'],
      registers,
      collect: () => {
        breakerState.reset();
        if (!d.breakers) return;
        for (const [system, state] of Object.entries(d.breakers.states())) {
          const open = d.breakers.isOpen(system as SystemId);
          breakerState.set({ system }, BREAKER_STATE_VALUE[open ? 'open' : state]);
        }
      },
    });
    const syncBacklog: Gauge = new Gauge({
      name: 'lienthong_portal_sync_oldest_pending_seconds',
      help: 'Age of the oldest event whose effect has not reached the portal yet (0 when none), read at scrape time',
      registers,
      collect: async () => {
        syncBacklog.reset();
        const s = await this.guard('sync backlog', () => d.syncBacklogSeconds());
        if (s !== null) syncBacklog.set(s);
      },
    });
    const overdue: Gauge = new Gauge({
      name: 'lienthong_dossiers_overdue',
      help: 'Open dossiers past their appointment date (NgayHenTra); 0 until deadline tracking provides the count',
      registers,
      collect: async () => {
        overdue.reset();
        const source = this.overdueSource;
        const n = source ? await this.guard('overdue dossiers', source) : 0;
        if (n !== null) overdue.set(n);
      },
    });
    if (d.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** One read of every queue per scrape, shared by the two queue gauges (which collect concurrently). */
  private queueDepths(): Promise<QueueDepth[] | null> {
    const now = Date.now();
    if (!this.depthRead || now - this.depthRead.at > DEPTH_READ_REUSE_MS) {
      this.depthRead = {
        at: now,
        depths: this.guard('queue depth', () => Promise.all(this.d.queues().map((q) => readQueueDepth(q)))),
      };
    }
    return this.depthRead.depths;
  }

  /** Runs a scrape-time read; a failure is logged and leaves its series out of this scrape. */
  private async guard<T>(what: string, read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (err) {
      this.d.log.warn({ err, what }, 'metrics: scrape-time read failed');
      return null;
    }
  }

  deliveryOutcome(o: DeliveryObservation): void {
    this.deliveries.inc({ system: o.system, operation: o.operation, outcome: o.outcome });
    if (o.attemptMs !== undefined) this.attemptSeconds.observe({ system: o.system }, o.attemptMs / 1000);
    if ((o.outcome === 'delivered' || o.outcome === 'adopted') && o.createdAt) {
      const created = Date.parse(o.createdAt);
      if (Number.isFinite(created))
        this.latencySeconds.observe({ system: o.system }, Math.max(0, Date.now() - created) / 1000);
    }
  }

  portalSynced(o: { lagMs: number }): void {
    this.syncLagSeconds.observe(Math.max(0, o.lagMs) / 1000);
  }

  callbackHandled(system: SystemId, statusCode: number, ms: number): void {
    this.callbackSeconds.observe({ system, code: String(statusCode) }, ms / 1000);
  }

  /** The Prometheus text exposition of every series. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
