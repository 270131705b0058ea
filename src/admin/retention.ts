import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config/config.js';
import type { Queues } from '../delivery/queues.js';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import { DELIVERY_STATES } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { AuditLog } from './audit-log.js';
import { OBSERVED_STALE_MS } from './system-control.js';
import { RELEASE_LOCK } from '../store/lua-script.js';

const CLEAN_BATCH = 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface RetentionReport {
  completedJobs: number;
  failedJobs: number;
  dossiersPurged: string[];
  dossiersKept: number;
  auditTrimmed: number;
}

/**
 * The retention pass (worker processes, one at a time through a Redis lock).
 *
 * @remarks Two different lifetimes on purpose. Queue jobs are transport: completed and failed ones
 * are removed after `retention.completedJobsMaxAgeSeconds` / `failedJobsMaxAgeSeconds`, because
 * nothing depends on them — the intake recognises a re-sent version by the digests kept with the
 * dossier, and a dead delivery stays in the ledger and can be replayed (its job is re-added by id).
 * The dossier with its digests, deliveries and ledger is what makes "nothing entered twice" hold, so
 * it is kept until untouched for `retention.ledgerDays` (default 2 years), and never while work is
 * outstanding (a chain not empty, portal operations pending or refused). Audit entries older than
 * `retention.auditDays` are trimmed.
 */
export class Retention {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly d: {
      config: GatewayConfig;
      redis: Redis;
      keys: Keys;
      queues: Queues;
      audit: AuditLog;
      log: Logger;
    },
  ) {}

  start(): void {
    this.timer = setInterval(
      () => void this.run().catch((err: unknown) => this.d.log.warn({ err }, 'retention pass failed')),
      this.d.config.retention.intervalMs,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async run(now = Date.now()): Promise<RetentionReport | null> {
    const { redis, keys, config } = this.d;
    const lock = `${keys.prefix}:lock:retention`;
    if ((await redis.set(lock, String(process.pid), 'PX', 10 * 60_000, 'NX')) !== 'OK') return null;
    try {
      const r = config.retention;
      const report: RetentionReport = {
        completedJobs: 0,
        failedJobs: 0,
        dossiersPurged: [],
        dossiersKept: 0,
        auditTrimmed: 0,
      };
      for (const q of this.d.queues.all()) {
        report.completedJobs += await this.clean(q, r.completedJobsMaxAgeSeconds * 1000, 'completed');
        report.failedJobs += await this.clean(q, r.failedJobsMaxAgeSeconds * 1000, 'failed');
      }
      await this.purgeDossiers(now - r.ledgerDays * DAY_MS, report);
      report.auditTrimmed = await this.d.audit.trimOlderThan(now - r.auditDays * DAY_MS);
      const observed = await redis.hgetall(keys.observedBreakers());
      for (const [proc, v] of Object.entries(observed)) {
        if (now - ((JSON.parse(v) as { ms?: number }).ms ?? 0) > OBSERVED_STALE_MS * 10)
          await redis.hdel(keys.observedBreakers(), proc);
      }
      if (report.dossiersPurged.length > 0) {
        await this.d.audit.append({
          actor: { name: 'retention', role: 'system' },
          action: 'purge',
          target: 'ledger',
          dossiers: report.dossiersPurged,
          reason: `untouched for more than ${r.ledgerDays} days (retention.ledgerDays)`,
        });
      }
      this.d.log.info({ ...report, dossiersPurged: report.dossiersPurged.length }, 'retention pass done');
      return report;
    } finally {
      await redis.del(lock).catch(() => undefined);
    }
  }

  private async clean(
    q: ReturnType<Queues['all']>[number],
    graceMs: number,
    type: 'completed' | 'failed',
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await q.clean(graceMs, CLEAN_BATCH, type);
      total += removed.length;
      if (removed.length < CLEAN_BATCH) return total;
    }
  }

  /** Dossiers received before `cutoff` and not updated since are purged with every key they own. */
  private async purgeDossiers(cutoff: number, report: RetentionReport): Promise<void> {
    const { redis, keys } = this.d;
    let offset = 0;
    for (;;) {
      const batch = await redis.zrangebyscore(
        keys.allDossiers(),
        '-inf',
        String(cutoff),
        'LIMIT',
        offset,
        500,
      );
      if (batch.length === 0) return;
      let purgedHere = 0;
      for (const M of batch) {
        if (await this.purgeIfIdle(M, cutoff)) {
          report.dossiersPurged.push(M);
          purgedHere += 1;
        } else report.dossiersKept += 1;
      }
      offset += batch.length - purgedHere;
      if (batch.length < 500) return;
    }
  }

  /** Under the dossier's intake lock, so a version re-sent at that moment is not half purged. */
  private async purgeIfIdle(M: string, cutoff: number): Promise<boolean> {
    const { redis, keys } = this.d;
    const token = `retention-${process.pid}-${Math.random().toString(36).slice(2)}`;
    if ((await redis.set(keys.intakeLock(M), token, 'PX', 10_000, 'NX')) !== 'OK') return false;
    try {
      return await this.purgeLocked(M, cutoff);
    } finally {
      await RELEASE_LOCK.run(redis, [keys.intakeLock(M)], [token]).catch(() => undefined);
    }
  }

  private async purgeLocked(M: string, cutoff: number): Promise<boolean> {
    const { redis, keys } = this.d;
    const h = await redis.hmget(keys.dossier(M), 'updatedAt', 'route');
    const updated = h[0] ? Date.parse(h[0]) : 0;
    if (Number.isFinite(updated) && updated > cutoff) return false;
    const route = h[1] ? (JSON.parse(h[1]) as SystemId[]) : [];
    const systems = new Set<SystemId>([...route, ...this.d.queues.delivery.keys()]);
    const [chains, pendingSync, outbox, refused, inbox] = await Promise.all([
      Promise.all([...systems].map((s) => redis.llen(keys.chain(M, s)))),
      redis.sismember(keys.pendingSync(), M),
      redis.llen(keys.outbox(M)),
      redis.llen(keys.outboxFailed(M)),
      redis.zcard(keys.inbox(M)),
    ]);
    if (chains.some((n) => n > 0) || pendingSync === 1 || outbox > 0 || refused > 0 || inbox > 0)
      return false;
    const ids = await redis.zrange(keys.deliveries(M), 0, -1);
    const multi = redis.multi();
    multi.del(
      keys.dossier(M),
      keys.digests(M),
      keys.timeline(M),
      keys.rejected(M),
      keys.deliveries(M),
      keys.inbox(M),
      keys.outbox(M),
      keys.outboxFailed(M),
      ...[...systems].map((s) => keys.chain(M, s)),
    );
    for (const id of ids) {
      multi.del(keys.delivery(id, M), keys.attempts(id, M), keys.deliveryPayload(id, M));
      for (const s of DELIVERY_STATES) multi.zrem(keys.deliveriesInState(s), id);
    }
    multi.zrem(keys.allDossiers(), M);
    multi.zrem(keys.failedSyncs(), M);
    multi.zrem(keys.deadlines(), M);
    for (const s of systems) multi.srem(keys.openDossiers(s), M);
    await multi.exec();
    return true;
  }
}
