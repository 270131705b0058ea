import type { Redis } from 'ioredis';
import type { Queues } from '../delivery/queues.js';
import { formatLocalIso } from '../domain/time.js';
import { nowIso, TIMELINE_CAP, type DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { ActionContext } from './delivery-admin.js';
import type { AuditLog } from './audit-log.js';

export interface FailedSync {
  MaHoSo: string;
  /** When the portal last refused one of the dossier's operations. */
  since: string;
  operations: Array<{ at: string; reason: string; kind: string }>;
}

interface FailedEntry {
  at: string;
  reason: string;
  operation: { kind?: string };
}

/**
 * Portal syncs the portal refused ("2": kept in the dossier's `outbox:failed`), listed and replayed.
 *
 * @remarks A replay puts the refused operations back at the *front* of the dossier's outbox, in
 * their order, under the dossier's sync lock (so no sync is draining the outbox meanwhile), then
 * asks the sync worker to look at the dossier. The usual outbox rules apply from there: progress
 * rows are compared with the portal's DanhSachTienDo before being resent after an unknown outcome.
 */
export class SyncReplay {
  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      store: DossierStore;
      queues: Queues;
      audit: AuditLog;
    },
  ) {}

  async list(opts: { MaHoSo?: string[]; limit: number }): Promise<FailedSync[]> {
    const { redis, keys } = this.d;
    let ids: Array<[string, number]>;
    if (opts.MaHoSo && opts.MaHoSo.length > 0) {
      const scores = await Promise.all(opts.MaHoSo.map((m) => redis.zscore(keys.failedSyncs(), m)));
      ids = opts.MaHoSo.map((m, i) => [m, Number(scores[i] ?? Date.now())]);
    } else {
      const raw = await redis.zrange(keys.failedSyncs(), 0, opts.limit - 1, 'WITHSCORES');
      ids = [];
      for (let i = 0; i < raw.length; i += 2) ids.push([raw[i]!, Number(raw[i + 1])]);
    }
    const out: FailedSync[] = [];
    for (const [M, score] of ids) {
      const entries = (await redis.lrange(keys.outboxFailed(M), 0, -1)).map(
        (s) => JSON.parse(s) as FailedEntry,
      );
      if (entries.length === 0) continue;
      out.push({
        MaHoSo: M,
        since: formatLocalIso(new Date(score)),
        operations: entries.map((e) => ({ at: e.at, reason: e.reason, kind: e.operation.kind ?? 'unknown' })),
      });
    }
    return out;
  }

  async replay(
    MaHoSo: string[] | undefined,
    ctx: ActionContext,
    dryRun: boolean,
  ): Promise<{ dryRun: boolean; dossiers: number; operations: number; sample: FailedSync[] }> {
    const failed = await this.list({ ...(MaHoSo ? { MaHoSo } : {}), limit: 10_000 });
    const operations = failed.reduce((n, f) => n + f.operations.length, 0);
    if (dryRun) return { dryRun: true, dossiers: failed.length, operations, sample: failed.slice(0, 10) };
    let moved = 0;
    const done: string[] = [];
    for (const f of failed) {
      const n = await this.requeue(f.MaHoSo, ctx);
      if (n > 0) {
        moved += n;
        done.push(f.MaHoSo);
        await this.d.queues.kickSync(f.MaHoSo, 0, ctx.requestId);
      }
    }
    if (done.length > 0) {
      await this.d.audit.append({
        actor: ctx.actor,
        action: 'sync-replay',
        target: 'portal',
        dossiers: done,
        reason: ctx.reason,
        details: { operations: moved },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
    }
    return { dryRun: false, dossiers: done.length, operations: moved, sample: failed.slice(0, 10) };
  }

  private async requeue(M: string, ctx: ActionContext): Promise<number> {
    const { redis, keys, store } = this.d;
    return store.withLock(keys.syncLock(M), 10_000, async () => {
      const raw = await redis.lrange(keys.outboxFailed(M), 0, -1);
      if (raw.length === 0) {
        await redis.zrem(keys.failedSyncs(), M);
        return 0;
      }
      const ops = raw.map((s) => JSON.stringify((JSON.parse(s) as FailedEntry).operation));
      const multi = redis.multi();
      // LPUSH inserts one by one at the front: pushing in reverse keeps their order.
      multi.lpush(keys.outbox(M), ...ops.reverse());
      multi.ltrim(keys.outboxFailed(M), raw.length, -1);
      multi.zrem(keys.failedSyncs(), M);
      multi.sadd(keys.pendingSync(), M);
      multi.rpush(
        keys.timeline(M),
        JSON.stringify({
          at: nowIso(),
          type: 'replay',
          system: 'portal',
          detail: `${raw.length} refused portal operation(s) replayed by ${ctx.actor.name}: ${ctx.reason}`,
        }),
      );
      multi.ltrim(keys.timeline(M), -TIMELINE_CAP, -1);
      await multi.exec();
      return raw.length;
    });
  }
}
