import type { Redis } from 'ioredis';
import type { DeliveryState } from '../domain/delivery.js';
import { parseDeliveryId } from '../domain/delivery.js';
import type { SystemId } from '../domain/system-event.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../logging/logger.js';
import { readPayload } from '../delivery/payload-record.js';
import type { Queues } from '../delivery/queues.js';
import { nowIso, type DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { AdminActor } from './admin-auth.js';
import type { AuditLog } from './audit-log.js';
import { leaveChain, transitionDelivery } from './delivery-transition.js';
import { maskIdentity } from './identity-mask.js';

/** States a replay starts from: the delivery is final and no job of it can be running. */
export const REPLAYABLE: readonly DeliveryState[] = ['failed', 'dead'];
/** States "resolve by hand" accepts: anything not delivered, not in a worker's hands, not already resolved. */
export const RESOLVABLE: readonly DeliveryState[] = ['failed', 'dead', 'queued', 'retrying'];

export interface ActionContext {
  actor: AdminActor;
  reason: string;
  requestId?: string;
  /** Set when the action is one item of a bulk replay (audited once, by the run). */
  runId?: string;
}

export type ReplayOutcome = { outcome: 'replayed'; job: string } | { outcome: 'skipped'; why: string };

/**
 * One delivery as an administrator acts on it: its detail, replay and "resolved by hand".
 *
 * @remarks A replay does not start a delivery afresh: it moves the same delivery back to queued and
 * runs it through the same processor and ledger. In particular `inflightSince` is kept, so if an
 * earlier attempt did reach the system (its answer was lost), the replay's first step is the
 * adapter's lookup, which adopts what the system holds instead of entering it again.
 */
export class DeliveryAdmin {
  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      store: DossierStore;
      queues: Queues;
      audit: AuditLog;
      log: Logger;
    },
  ) {}

  private locate(id: string): { MaHoSo: string; system: SystemId } {
    const p = parseDeliveryId(id);
    if (!p || !/^[A-Za-z0-9.-]{1,50}$/.test(p.MaHoSo))
      throw new GatewayError('GW_ERR_DELIVERY_NOT_FOUND', { details: { id } });
    if (!this.d.queues.delivery.has(p.system))
      throw new GatewayError('GW_ERR_SYSTEM_NOT_CONFIGURED', { details: { system: p.system } });
    return p;
  }

  async detail(id: string, opts: { mask: boolean }): Promise<Record<string, unknown>> {
    const { MaHoSo, system } = this.locate(id);
    const { redis, keys, store } = this.d;
    const h = await redis.hgetall(keys.delivery(id, MaHoSo));
    if (!h.id) throw new GatewayError('GW_ERR_DELIVERY_NOT_FOUND', { details: { id } });
    const [attempts, payload, chain, job] = await Promise.all([
      store.attemptHistory(MaHoSo, id),
      readPayload(redis, keys, id, MaHoSo),
      redis.lrange(keys.chain(MaHoSo, system), 0, -1),
      this.d.queues.delivery.get(system)!.getJob(id),
    ]);
    const mask = <T>(v: T): T => (opts.mask ? (maskIdentity(v) as T) : v);
    const parse = (s: string | undefined): unknown => (s ? JSON.parse(s) : null);
    const position = chain.indexOf(id);
    return {
      id,
      MaHoSo,
      system,
      operation: h.operation ?? '',
      intentKey: h.intentKey ?? '',
      state: h.state ?? 'queued',
      attempts: Number(h.attempts ?? 0),
      externalId: h.externalId || null,
      lastError: mask(parse(h.lastError)),
      createdAt: h.createdAt ?? '',
      updatedAt: h.updatedAt ?? '',
      appliedAt: h.appliedAt || null,
      ledger: {
        inflightSince: h.inflightSince || null,
        note: h.inflightSince
          ? 'an attempt left without a known outcome: the next one asks the system first'
          : null,
      },
      params: mask(parse(h.params) ?? {}),
      chain: {
        position: position >= 0 ? position : null,
        ahead: position > 0 ? chain.slice(0, position) : [],
      },
      lastReplay: parse(h.lastReplay),
      resolved: h.resolvedAt
        ? { at: h.resolvedAt, by: h.resolvedBy ?? '', reason: h.resolvedReason ?? '' }
        : null,
      job: job
        ? {
            state: await job.getState(),
            attemptsMade: job.attemptsMade,
            maxAttempts: job.opts.attempts ?? 1,
            failedReason: job.failedReason ? mask(job.failedReason) : null,
            createdAt: new Date(job.timestamp).toISOString(),
            finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
          }
        : null,
      attemptHistory: attempts.map((a) => mask(a)),
      payload: payload
        ? { ...payload, body: mask(payload.body), masked: opts.mask }
        : { recorded: false, note: 'no payload recorded (the delivery has not been attempted yet)' },
      replayable: REPLAYABLE.includes((h.state ?? 'queued') as DeliveryState),
    };
  }

  /** Replays one failed or dead delivery; `strict` turns "not replayable" into a 409 instead of a skip. */
  async replay(id: string, ctx: ActionContext, strict: boolean): Promise<ReplayOutcome> {
    const { MaHoSo, system } = this.locate(id);
    const { redis, keys, queues } = this.d;
    const now = nowIso();
    const t = await transitionDelivery(redis, keys, {
      MaHoSo,
      deliveryId: id,
      from: REPLAYABLE,
      to: 'queued',
      set: {
        updatedAt: now,
        lastReplay: JSON.stringify({
          at: now,
          by: ctx.actor.name,
          reason: ctx.reason,
          runId: ctx.runId ?? null,
        }),
      },
      timeline: {
        at: now,
        type: 'replay',
        system,
        detail: `replayed by ${ctx.actor.name}: ${ctx.reason}`,
        data: { deliveryId: id, runId: ctx.runId ?? null },
      },
    });
    if (!t.ok) {
      if (t.previous === null) throw new GatewayError('GW_ERR_DELIVERY_NOT_FOUND', { details: { id } });
      const why = `state is ${t.previous}; only ${REPLAYABLE.join(' or ')} deliveries are replayed`;
      if (strict)
        throw new GatewayError('GW_ERR_DELIVERY_STATE_CONFLICT', {
          message: `Delivery ${id} is not replayable: ${why}`,
          details: { id, state: t.previous },
        });
      return { outcome: 'skipped', why };
    }
    // A final delivery stays at the head of its chain; put it back if it was ever taken out.
    const chainKey = keys.chain(MaHoSo, system);
    if ((await redis.lpos(chainKey, id)) === null) {
      await redis.multi().lpush(chainKey, id).sadd(keys.pendingChains(), `${MaHoSo}|${system}`).exec();
    }
    const q = queues.delivery.get(system)!;
    const job = await q.getJob(id);
    let how: string;
    if (job && (await job.getState()) === 'failed') {
      // A fresh set of attempts; the ledger's attempt counter and history carry on.
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      how = 'failed job retried';
    } else {
      await queues.kickDelivery({ deliveryId: id, MaHoSo, system });
      how = job ? 'job re-queued' : 'job re-added';
    }
    if (!ctx.runId) {
      await this.d.audit.append({
        actor: ctx.actor,
        action: 'replay',
        target: id,
        dossiers: [MaHoSo],
        reason: ctx.reason,
        details: { previousState: t.previous, job: how },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
    }
    this.d.log.info({ deliveryId: id, by: ctx.actor.name, runId: ctx.runId, how }, 'delivery replayed');
    return { outcome: 'replayed', job: how };
  }

  /**
   * Marks a delivery as handled outside the gateway: it will never be attempted again and it leaves
   * its chain, so the dossier's later operations for that system proceed. When the administrator
   * knows the system's id of the dossier (entered by hand there), it is recorded so later
   * operations that need it can run.
   */
  async resolve(id: string, ctx: ActionContext, externalId?: string): Promise<{ next: string | null }> {
    const { MaHoSo, system } = this.locate(id);
    const { redis, keys, queues } = this.d;
    const state = await redis.hget(keys.delivery(id, MaHoSo), 'state');
    if (state === null) throw new GatewayError('GW_ERR_DELIVERY_NOT_FOUND', { details: { id } });
    const conflict = (state: string): GatewayError =>
      new GatewayError('GW_ERR_DELIVERY_STATE_CONFLICT', {
        message: `Delivery ${id} cannot be resolved by hand: state is ${state}`,
        details: { id, state, allowed: RESOLVABLE },
      });
    if (!RESOLVABLE.includes(state as DeliveryState)) throw conflict(state);
    // Take its job out of the queue first, so no worker can pick it up while it is being resolved.
    const job = await queues.delivery.get(system)!.getJob(id);
    if (job) {
      if ((await job.getState()) === 'active') throw conflict('delivering');
      await job.remove().catch((err: unknown) => {
        throw new GatewayError('GW_ERR_DELIVERY_STATE_CONFLICT', {
          message: `Delivery ${id} is being attempted right now; try again`,
          details: { id },
          cause: err,
        });
      });
    }
    const now = nowIso();
    const set: Record<string, string> = {
      updatedAt: now,
      resolvedAt: now,
      resolvedBy: ctx.actor.name,
      resolvedReason: ctx.reason,
    };
    if (externalId) set.externalId = externalId;
    const t = await transitionDelivery(redis, keys, {
      MaHoSo,
      deliveryId: id,
      from: RESOLVABLE,
      to: 'resolved',
      set,
      timeline: {
        at: now,
        type: 'resolved-by-hand',
        system,
        detail: `resolved by hand by ${ctx.actor.name}: ${ctx.reason}`,
        data: { deliveryId: id, externalId: externalId ?? null },
      },
    });
    if (!t.ok) throw conflict(t.previous ?? 'unknown');
    if (externalId) await redis.hsetnx(keys.dossier(MaHoSo), `ext:${system}`, externalId);
    const next = await leaveChain(redis, keys, { MaHoSo, system, deliveryId: id });
    if (next) await queues.kickDelivery({ deliveryId: next, MaHoSo, system });
    await this.d.audit.append({
      actor: ctx.actor,
      action: 'resolve',
      target: id,
      dossiers: [MaHoSo],
      reason: ctx.reason,
      details: { previousState: t.previous, externalId: externalId ?? null, next },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return { next };
  }
}
