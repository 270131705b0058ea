import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { systemConfig, type GatewayConfig } from './config/config.js';
import type { SystemAdapter } from './adapters/adapter.js';
import { Administration } from './admin/administration.js';
import { AuditLog } from './admin/audit-log.js';
import { buildAdapters, type RegisteredSystem } from './adapters/registry.js';
import { PollProcessor } from './delivery/poll-processor.js';
import { OverdueScanner } from './deadlines/overdue-scanner.js';
import { proposeNewAppointment } from './deadlines/appointment.js';
import { addWorkingDays, defaultCalendar } from './calendar/index.js';
import { readDeliveryCounts } from './dashboard/delivery-counts.js';
import { SYSTEM_NAMES } from './domain/system-event.js';
import { Breakers } from './delivery/breakers.js';
import { SharedBreakerState } from './delivery/shared-breaker-state.js';
import { WorkerHeartbeat } from './delivery/worker-heartbeat.js';
import { DeliveryProcessor } from './delivery/delivery-processor.js';
import { Queues } from './delivery/queues.js';
import { createWorkers } from './delivery/workers.js';
import { Sweeper } from './delivery/sweeper.js';
import { loadRoutingTable, type RoutingTable } from './domain/routing.js';
import type { SystemId } from './domain/system-event.js';
import { createApp } from './http/app.js';
import { rateLimits } from './http/rate-limits.js';
import { sharedCredentials } from './security/credential-separation.js';
import { dashboardRouter } from './http/routes/dashboard.js';
import { dossierRouter } from './http/routes/dossiers.js';
import { reportsRouter } from './http/routes/reports.js';
import { StoreReportSource } from './reports/report-source.js';
import { feedRouter } from './http/routes/feed.js';
import { healthRouter } from './http/routes/health.js';
import { metricsRouter } from './http/routes/metrics.js';
import { callbackTiming } from './http/callback-timing.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.js';
import { oldestPendingSyncSeconds } from './metrics/sync-backlog.js';
import { EventSink } from './intake/event-sink.js';
import { IntakeService } from './intake/intake-service.js';
import { createLogger, type Logger } from './logging/logger.js';
import { MessageLogging } from './message-log/message-logging.js';
import { ScopedPortalTransport } from './message-log/scoped-portal-transport.js';
import { Reconciliation } from './reconciliation/reconciliation.js';
import { SyncProcessor } from './portal/sync-processor.js';
import { DossierStore } from './store/dossier-store.js';
import { EventInbox } from './store/event-inbox.js';
import { Keys } from './store/keys.js';
import { checkNoEviction, createRedis, waitReady } from './store/redis.js';
import { describeRedisTarget, gatewayKeyPrefix } from './store/redis-topology.js';

export type GatewayMode = 'api' | 'worker' | 'all';

export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * The composition root: builds every part from the configuration and starts what the mode asks
 * for (`api`: HTTP intake and callbacks; `worker`: queues, pollers and the sweeper; `all`: both).
 */
export class Gateway {
  readonly log: Logger;
  readonly keys: Keys;
  readonly store: DossierStore;
  readonly queues: Queues;
  readonly systems: Map<SystemId, RegisteredSystem>;
  readonly adapters: Map<SystemId, SystemAdapter>;
  readonly routing: RoutingTable;
  readonly breakers: Breakers;
  readonly sink: EventSink;
  /** Administration (issue 5): admin API, bulk replays, forced breakers, retention. */
  readonly admin: Administration;
  /** The tamper-evident log of every message exchanged (issue 9). */
  readonly messageLogging: MessageLogging;
  /** Reconciliation of the portal's and the systems' copies with the gateway's (issue 9). */
  readonly reconciliation: Reconciliation;
  /** Every series of `GET /metrics`, in a registry of this gateway's own. */
  readonly metrics: GatewayMetrics;
  private metricsServer: MetricsServer | null = null;
  /** Base URL of the metrics listener, when `metrics.port` is configured. */
  metricsUrl: string | null = null;
  private readonly redis: Redis;
  private readonly bull: Redis;
  private workers: Worker[] = [];
  private server: Server | null = null;
  private sweeper: Sweeper | null = null;
  /** Makes a breaker opened here known to the other worker processes (and theirs to this one). */
  private sharedBreakers: SharedBreakerState | null = null;
  private heartbeat: WorkerHeartbeat | null = null;
  /** Finds late dossiers and starts their apology letters (null when deadlines are not tracked). */
  readonly deadlineScanner: OverdueScanner | null;
  url: string | null = null;

  constructor(
    readonly config: GatewayConfig,
    readonly mode: GatewayMode,
    log?: Logger,
  ) {
    this.log = log ?? createLogger(config.log.level, { service: 'lienthong', mode });
    this.keys = new Keys(gatewayKeyPrefix(config));
    this.redis = createRedis(config, 'store');
    this.bull = createRedis(config, 'bullmq');
    this.store = new DossierStore(this.redis, this.keys);
    this.routing = loadRoutingTable();
    this.systems = buildAdapters(config, this.log);
    this.messageLogging = new MessageLogging({
      config,
      redis: this.redis,
      keys: this.keys,
      store: this.store,
      audit: new AuditLog(this.redis, this.keys),
      logger: this.log,
    });
    // Each adapter's calls about a dossier are recorded in the message log (issue 9).
    this.adapters = new Map([...this.systems].map(([id, s]) => [id, this.messageLogging.adapter(s.adapter)]));
    const systems = [...this.adapters.keys()];
    this.queues = new Queues(config, this.bull, systems, (err) =>
      this.log.warn({ err }, 'queue connection error'),
    );
    this.breakers = new Breakers(config, systems, this.log);
    this.sink = new EventSink({
      store: this.store,
      inbox: new EventInbox(this.redis, this.keys),
      queues: this.queues,
      reorderWindowMs: config.portal.reorderWindowMs,
      log: this.log,
    });
    this.metrics = new GatewayMetrics({
      queues: () => this.queues.all(),
      breakers: mode === 'api' ? null : this.breakers,
      syncBacklogSeconds: () => oldestPendingSyncSeconds(this.redis, this.keys),
      processMetrics: config.metrics?.processMetrics ?? false,
      log: this.log,
    });
    const dl = config.deadlines;
    this.deadlineScanner = dl.enabled
      ? new OverdueScanner({
          redis: this.redis,
          keys: this.keys,
          store: this.store,
          queues: this.queues,
          log: this.log.child({ component: 'deadlines' }),
          actorName: config.portal.actorName,
          reorderWindowMs: config.portal.reorderWindowMs,
          proposeNewDate: (from) =>
            proposeNewAppointment(from, dl.apologyExtensionWorkingDays, addWorkingDays),
          apologyReason: dl.apologyReason,
          sendLetters: dl.sendApologyLetters && this.adapters.has('document'),
          systemNames: SYSTEM_NAMES,
          agencyFor: (holders) =>
            holders.find((h) => Object.hasOwn(config.systems.document?.apologyAgencies ?? {}, h)) ??
            'default',
        })
      : null;
    this.metrics.overdueSource = () => this.redis.scard(this.keys.overdue());
    this.admin = new Administration({
      config,
      redis: this.redis,
      keys: this.keys,
      store: this.store,
      queues: this.queues,
      log: this.log,
    });
    this.reconciliation = new Reconciliation({
      config,
      redis: this.redis,
      keys: this.keys,
      store: this.store,
      queues: this.queues,
      audit: this.admin.audit,
      adapters: this.adapters,
      sink: this.sink,
      log: this.log,
    });
    for (const s of this.routing.systems()) {
      if (!this.adapters.has(s))
        this.log.warn(
          { system: s },
          'routing table names a system that is not configured: its dossiers will be refused',
        );
    }
  }

  /** Checks Redis (reachable, noeviction), then starts the HTTP server and/or the workers. */
  async start(): Promise<void> {
    const shared = sharedCredentials(this.config);
    if (shared.length > 0) throw new StartupError(shared.join('; '));
    try {
      await waitReady(this.redis, 10_000);
    } catch (err) {
      throw new StartupError(
        `Redis (${describeRedisTarget(this.config)}) is not reachable: ${(err as Error).message}`,
      );
    }
    if (this.config.redis.checkNoEviction) {
      const policy = await checkNoEviction(this.redis);
      if (policy !== 'noeviction') {
        throw new StartupError(
          `Redis maxmemory-policy is "${policy}"; the gateway needs "noeviction" (an evicting Redis can silently drop queued jobs and the delivery ledger). Set it with: redis-cli config set maxmemory-policy noeviction`,
        );
      }
    }
    if (this.mode !== 'api') await this.startWorkers();
    if (this.mode !== 'worker') await this.startApi();
    await this.startMetrics();
  }

  /** The metrics listener of its own (`metrics.port`); without one, `/metrics` is on the API port. */
  private async startMetrics(): Promise<void> {
    const m = this.config.metrics;
    if (m?.port === undefined) {
      if (m && this.mode === 'worker')
        this.log.warn(
          'metrics.port is not set: a worker process serves no API, so its metrics are not served',
        );
      return;
    }
    this.metricsServer = await startMetricsServer({
      host: m.host,
      port: m.port,
      token: m.token,
      metrics: this.metrics,
      log: this.log,
    });
    this.metricsUrl = this.metricsServer.url;
    this.log.info({ url: this.metricsUrl }, 'metrics listening');
  }

  /** The on-time report and the dashboard (issue 4), both reading the store through one ReportSource. */
  private reportRouters() {
    const calendar = defaultCalendar();
    const source = new StoreReportSource({ store: this.store, routing: this.routing, calendar });
    return [
      reportsRouter({ source, calendar, config: this.config }),
      dashboardRouter({
        source,
        calendar,
        config: this.config,
        systems: [...this.adapters.keys()],
        deliveryCounts: () => readDeliveryCounts(this.store.redis, this.keys),
        // Breakers live where deliveries run: an `api`-only process has none worth showing.
        ...(this.mode === 'all' ? { breakerStates: () => this.breakers.states() } : {}),
      }),
    ];
  }

  private async startApi(): Promise<void> {
    const intake = new IntakeService({
      store: this.store,
      queues: this.queues,
      routing: this.routing,
      adapters: this.adapters,
      log: this.log,
    });
    const feedKey = this.config.feed?.key ?? '';
    const logRouters = this.messageLogging.routers();
    const routers = [
      // Records every feed push and callback in the message log (before the routes it watches).
      ...logRouters.before,
      healthRouter({
        redis: this.redis,
        probe: {
          workers: async () => {
            if (this.mode === 'all') return this.workers.filter((w) => w.isRunning()).length;
            const counts = await Promise.all(this.queues.all().map((q) => q.getWorkersCount()));
            return Math.min(...counts);
          },
        },
      }),
      feedRouter({ intake, feedKey, bodyLimitBytes: this.config.http.bodyLimitBytes }),
      dossierRouter({ store: this.store, config: this.config, feedKey }),
      ...this.reportRouters(),
      ...this.admin.routers(),
      this.reconciliation.router(),
      ...logRouters.after,
      callbackTiming({
        systems: [...this.systems.keys()],
        observe: (system, code, ms) => this.metrics.callbackHandled(system, code, ms),
      }),
    ];
    const m = this.config.metrics;
    if (m && m.port === undefined) routers.push(metricsRouter({ metrics: this.metrics, token: m.token }));
    for (const [id, s] of this.systems) {
      if (!s.inboundRouter) continue;
      routers.push(
        s.inboundRouter({
          sink: this.sink,
          log: this.log.child({ system: id }),
          bodyLimitBytes: this.config.http.bodyLimitBytes,
        }),
      );
    }
    const app = createApp({
      log: this.log,
      routers,
      guards: [
        rateLimits({
          config: this.config,
          feedKey,
          landCode: this.config.systems.land?.enabled
            ? this.config.systems.land.callbackSecurityCode
            : undefined,
          taxKey: this.config.systems.tax?.enabled
            ? (this.config.systems.tax.inboundSecurityKey ?? this.config.systems.tax.securityKey)
            : undefined,
          metricsToken: this.config.metrics?.token,
        }),
      ],
    });
    this.server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(this.config.http.port, this.config.http.host, (err?: Error) =>
        err ? reject(err) : resolve(s),
      );
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${this.config.http.host}:${port}`;
    this.log.info({ url: this.url }, 'HTTP intake listening');
  }

  private async startWorkers(): Promise<void> {
    const portal = new ScopedPortalTransport(
      {
        baseUrl: this.config.portal.baseUrl,
        username: this.config.portal.username,
        password: this.config.portal.password,
        madonvi: this.config.portal.madonvi,
        timeoutMs: this.config.portal.timeoutMs,
        redis: this.redis,
        sessionKey: this.keys.portalSession(),
        log: this.log.child({ system: 'portal' }),
      },
      // Issue 9: portal calls go to the message log; accepted rows to the reconciliation's record.
      {
        recorder: this.messageLogging.log,
        progressAccepted: (rows) => this.reconciliation.sent.record(rows),
      },
    );
    const delivery = new DeliveryProcessor({
      lockTtlMs: (system) => (systemConfig(this.config, system)?.timeoutMs ?? 30_000) * 2 + 2_000,
      redis: this.redis,
      keys: this.keys,
      store: this.store,
      queues: this.queues,
      breakers: this.breakers,
      adapters: this.adapters,
      observer: this.metrics,
      requestTimeoutMs: (system) => systemConfig(this.config, system)?.timeoutMs ?? 30_000,
      log: this.log,
    });
    const sync = new SyncProcessor({
      config: this.config,
      redis: this.redis,
      keys: this.keys,
      store: this.store,
      portal,
      observer: this.metrics,
      log: this.log,
    });
    this.workers = createWorkers({
      config: this.config,
      connection: this.bull,
      queues: this.queues,
      systems: [...this.adapters.keys()],
      delivery,
      sync,
      poll: new PollProcessor({
        redis: this.redis,
        keys: this.keys,
        adapters: this.adapters,
        sink: this.sink,
        log: this.log,
        lockMs: this.config.workers.lockDurationMs,
      }),
      ...(this.deadlineScanner ? { deadlines: () => this.deadlineScanner!.scan() } : {}),
      reconcile: (job, token) => this.reconciliation.process(job, token),
      log: this.log,
    });
    await this.reconciliation.startWorkerSide((M, madonvi) => portal.readForReconciliation(M, madonvi));
    this.messageLogging.startWorkerSide();
    if (this.deadlineScanner) await this.queues.scheduleDeadlineScan(this.config.deadlines.scanIntervalMs);
    for (const [id, s] of this.systems) {
      if (s.pollIntervalMs && s.adapter.poll) await this.queues.schedulePoll(id, s.pollIntervalMs);
    }
    for (const w of this.workers)
      void w.run().catch((err: unknown) => this.log.error({ err }, 'worker stopped'));
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.sweeper = new Sweeper({
      redis: this.redis,
      keys: this.keys,
      store: this.store,
      queues: this.queues,
      log: this.log,
    });
    this.sweeper.start();
    await this.admin.startWorkerSide(this.breakers, [...this.adapters.keys()]);
    this.sharedBreakers = new SharedBreakerState({
      redis: this.redis,
      subscriber: createRedis(this.config, 'subscriber'),
      keys: this.keys,
      breakers: this.breakers,
      systems: [...this.adapters.keys()],
      trialGraceMs: (s) => systemConfig(this.config, s)?.timeoutMs ?? 30_000,
      refreshMs: this.config.admin.breakerSyncMs,
      log: this.log,
    });
    await this.sharedBreakers.start();
    const heartbeatFile = this.config.workers.heartbeatFile;
    if (heartbeatFile) {
      this.heartbeat = new WorkerHeartbeat({
        file: heartbeatFile,
        redis: this.redis,
        workers: this.workers,
        log: this.log,
      });
      this.heartbeat.start();
    }
    this.log.info({ queues: this.workers.map((w) => w.name) }, 'workers running');
  }

  /**
   * Graceful stop: stop taking requests, let in-flight jobs finish (or hand them back after the
   * grace period: their lock then expires and another worker resumes them, the ledger making the
   * rerun safe), then close Redis.
   */
  async stop(): Promise<void> {
    if (this.server) {
      const s = this.server;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections();
      });
      this.server = null;
    }
    await this.metricsServer?.close();
    this.metricsServer = null;
    await this.admin.stop();
    this.heartbeat?.stop();
    await this.sharedBreakers?.stop();
    this.sweeper?.stop();
    const grace = this.config.workers.shutdownGraceMs;
    await Promise.race([
      Promise.all(this.workers.map((w) => w.close())),
      new Promise((r) => setTimeout(r, grace).unref()),
    ]);
    await Promise.all(this.workers.map((w) => w.close(true).catch(() => undefined)));
    // The last messages exchanged are in the log before Redis is closed.
    await this.messageLogging.stop();
    this.breakers.shutdown();
    await this.queues.close().catch(() => undefined);
    await Promise.all([this.redis.quit().catch(() => undefined), this.bull.quit().catch(() => undefined)]);
  }
}
