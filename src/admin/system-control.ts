import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryJob, Queues } from '../delivery/queues.js';
import type { SystemId } from '../domain/system-event.js';
import { GatewayError } from '../errors/gateway-error.js';
import { nowIso } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { ActionContext } from './delivery-admin.js';
import type { AuditLog } from './audit-log.js';

export type ForcedBreaker = 'open' | 'closed';

export interface ObservedBreakers {
  process: string;
  at: string;
  states: Record<string, string>;
}

/** Worker reports older than this are from processes that stopped. */
export const OBSERVED_STALE_MS = 30_000;

export interface SystemView {
  system: SystemId;
  paused: { since: string; by: string; reason: string } | boolean;
  queue: Record<string, number>;
  oldestWaiting: { jobId: string; since: string; ageMs: number } | null;
  breaker: {
    forced: ForcedBreaker | null;
    /** What each running worker process sees (forced state included). */
    observed: Array<{ process: string; state: string; at: string }>;
  };
}

/**
 * Steering a system: pausing and resuming its delivery queue, forcing its breaker, and what its
 * queue holds.
 *
 * @remarks Pausing is BullMQ's queue pause: workers stop taking the system's jobs, jobs keep
 * waiting (delayed ones move to paused when due), and no attempt is made, so none is spent or
 * fails. A forced breaker state lives in Redis; every worker process reads it every
 * `admin.breakerSyncMs` (see BreakerOverrides), so it holds across the cluster.
 */
export class SystemControl {
  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      queues: Queues;
      audit: AuditLog;
    },
  ) {}

  private queue(system: string): Queue<DeliveryJob> {
    const q = this.d.queues.delivery.get(system as SystemId);
    if (!q) throw new GatewayError('GW_ERR_SYSTEM_NOT_CONFIGURED', { details: { system } });
    return q;
  }

  async pause(system: string, ctx: ActionContext): Promise<SystemView> {
    const q = this.queue(system);
    await q.pause();
    await this.d.redis.hset(
      this.d.keys.pausedSystems(),
      system,
      JSON.stringify({ since: nowIso(), by: ctx.actor.name, reason: ctx.reason }),
    );
    await this.audited('pause', system, ctx);
    return this.view(system as SystemId);
  }

  async resume(system: string, ctx: ActionContext): Promise<SystemView> {
    const q = this.queue(system);
    await q.resume();
    await this.d.redis.hdel(this.d.keys.pausedSystems(), system);
    await this.audited('resume', system, ctx);
    return this.view(system as SystemId);
  }

  async forceBreaker(system: string, state: ForcedBreaker | 'auto', ctx: ActionContext): Promise<SystemView> {
    this.queue(system);
    if (state === 'auto') await this.d.redis.hdel(this.d.keys.forcedBreakers(), system);
    else await this.d.redis.hset(this.d.keys.forcedBreakers(), system, state);
    await this.audited('breaker', system, ctx, { state });
    return this.view(system as SystemId);
  }

  private async audited(
    action: string,
    system: string,
    ctx: ActionContext,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.d.audit.append({
      actor: ctx.actor,
      action,
      target: system,
      dossiers: [],
      reason: ctx.reason,
      details,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
  }

  async views(): Promise<SystemView[]> {
    return Promise.all([...this.d.queues.delivery.keys()].map((s) => this.view(s)));
  }

  async view(system: SystemId): Promise<SystemView> {
    const q = this.queue(system);
    const { redis, keys } = this.d;
    const [counts, isPaused, pausedInfo, forced, observedRaw, oldest] = await Promise.all([
      q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed'),
      q.isPaused(),
      redis.hget(keys.pausedSystems(), system),
      redis.hget(keys.forcedBreakers(), system),
      redis.hgetall(keys.observedBreakers()),
      q.getJobs(['waiting', 'prioritized'], 0, 0, true),
    ]);
    const now = Date.now();
    const observed: SystemView['breaker']['observed'] = [];
    for (const [proc, v] of Object.entries(observedRaw)) {
      const o = JSON.parse(v) as ObservedBreakers & { ms: number };
      if (now - o.ms > OBSERVED_STALE_MS) continue;
      const state = o.states[system];
      if (state) observed.push({ process: proc, state, at: o.at });
    }
    const first = oldest[0];
    return {
      system,
      paused: isPaused
        ? pausedInfo
          ? (JSON.parse(pausedInfo) as { since: string; by: string; reason: string })
          : true
        : false,
      queue: { ...counts, depth: (counts.waiting ?? 0) + (counts.prioritized ?? 0) },
      oldestWaiting: first
        ? {
            jobId: String(first.id),
            since: new Date(first.timestamp).toISOString(),
            ageMs: now - first.timestamp,
          }
        : null,
      breaker: { forced: (forced as ForcedBreaker | null) ?? null, observed },
    };
  }
}
