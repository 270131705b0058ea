import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SystemAdapter, DeliveryContext } from '../adapters/adapter.js';
import type { AttemptRecord } from '../domain/delivery.js';
import { GatewayError } from '../errors/gateway-error.js';
import { withCorrelation } from '../logging/correlation.js';
import type { Logger } from '../logging/logger.js';
import type { DossierStore } from '../store/dossier-store.js';
import { indexDeliveryState, nowIso, TIMELINE_CAP } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { SystemId } from '../domain/system-event.js';
import type { Breakers } from './breakers.js';
import type { DeliveryObserver, DeliveryOutcome } from './delivery-observer.js';
import { claimInflight, unclaimInflight, inflightMayStillRun } from './inflight-claim.js';
import { payloadRecorder } from './payload-record.js';
import type { DeliveryJob, Queues } from './queues.js';
import { LuaScript, RELEASE_LOCK } from '../store/lua-script.js';

/** Pops the chain head only if it is still this delivery (a replay may run an old job). */
const ADVANCE_CHAIN = new LuaScript(
  'advanceChain',
  `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
return redis.call('LINDEX', KEYS[1], 0)
`,
);

export interface DeliveryProcessorDeps {
  /** How long the dossier-and-system lock may be held: longer than a lookup plus a delivery. */
  lockTtlMs?: (system: SystemId) => number;
  redis: Redis;
  keys: Keys;
  store: DossierStore;
  queues: Queues;
  breakers: Breakers;
  adapters: ReadonlyMap<string, SystemAdapter>;
  /** Told of each run's outcome (metrics). */
  observer?: DeliveryObserver;
  /** The request timeout of a system (`systems.<id>.timeoutMs`); default 30 s. */
  requestTimeoutMs?: (system: DeliveryJob['system']) => number;
  log: Logger;
}

/**
 * Runs one delivery job: the heart of "entered exactly once".
 *
 * @remarks The ledger fields on the delivery hash are written *before* the request leaves
 * (`inflightSince`) and cleared only when the outcome is known. So after a timeout, a reset, a 5xx,
 * or a worker killed mid-request, the next attempt finds `inflightSince` set and asks the system
 * (`adapter.lookup`) before sending a non-idempotent operation again.
 */
export class DeliveryProcessor {
  constructor(private readonly d: DeliveryProcessorDeps) {}

  private observe(
    delivery: { system: DeliveryJob['system']; operation: string; createdAt: string },
    outcome: DeliveryOutcome,
    started?: number,
  ): void {
    this.d.observer?.deliveryOutcome({
      system: delivery.system,
      operation: delivery.operation,
      outcome,
      createdAt: delivery.createdAt,
      ...(started === undefined ? {} : { attemptMs: Date.now() - started }),
    });
  }

  private async recordAttempt(job: DeliveryJob, attempt: AttemptRecord): Promise<void> {
    const k = this.d.keys.attempts(job.deliveryId, job.MaHoSo);
    await this.d.redis.multi().rpush(k, JSON.stringify(attempt)).ltrim(k, -200, -1).exec();
  }

  /**
   * Runs a delivery holding the dossier-and-system lock, so that two workers never run the same
   * dossier's operations for one system at once — not even when BullMQ hands a job that looks
   * stalled (a blocked event loop, a lost lock) to a second worker while the first is still inside
   * a slow request: the second would find the ledger mark, look up too early, and send again.
   */
  async process(
    job: Job<DeliveryJob>,
    token: string | undefined,
    worker: Worker<DeliveryJob>,
  ): Promise<string> {
    const { redis, keys } = this.d;
    const lockKey = keys.deliveryLock(job.data.MaHoSo, job.data.system);
    const lockToken = `${process.pid}-${String(job.id)}-${Math.random().toString(36).slice(2)}`;
    const ttl = this.d.lockTtlMs?.(job.data.system) ?? 62_000;
    if ((await redis.set(lockKey, lockToken, 'PX', ttl, 'NX')) !== 'OK') {
      await job.moveToDelayed(Date.now() + 500, token);
      throw new DelayedError('another worker is delivering to this system for this dossier');
    }
    try {
      return await this.processHeld(job, token, worker);
    } finally {
      await RELEASE_LOCK.run(redis, [lockKey], [lockToken]).catch(() => undefined);
    }
  }

  private async processHeld(
    job: Job<DeliveryJob>,
    token: string | undefined,
    worker: Worker<DeliveryJob>,
  ): Promise<string> {
    const data = job.data;
    const { store, keys, redis } = this.d;
    const adapter = this.d.adapters.get(data.system);
    if (!adapter) throw new UnrecoverableError(`no adapter for ${data.system}`);
    // The delivery, the chain's head and the dossier in one round trip (the dossier is only wasted
    // on the rare early returns).
    const [delivery, head, dossier] = await Promise.all([
      store.delivery(data.MaHoSo, data.deliveryId),
      redis.lindex(keys.chain(data.MaHoSo, data.system), 0),
      store.get(data.MaHoSo),
    ]);
    if (!delivery) return 'missing';
    if (delivery.state === 'delivered') {
      // A crash between recording the success and advancing the chain leaves it here: advance now.
      await this.advance(data);
      return 'already delivered';
    }
    // Final until an administrator acts: only a replay (which moves it back to queued) runs it again,
    // so a job re-added for it (the sweeper, after its failed job was trimmed) does nothing.
    if (delivery.state === 'dead' || delivery.state === 'failed' || delivery.state === 'resolved')
      return `${delivery.state}: waits for an administrator`;
    if (head !== data.deliveryId) return `waiting behind ${head ?? 'nothing'}`;
    let log = this.d.log.child({
      requestId: data.requestId ?? null,
      MaHoSo: data.MaHoSo,
      system: data.system,
      deliveryId: data.deliveryId,
      jobId: job.id,
    });

    const opInfo = adapter.operations[delivery.operation];
    if (!opInfo) throw new UnrecoverableError(`${data.system}: unknown operation ${delivery.operation}`);
    // Another run of this delivery may still have its request in flight (see inflight-claim.ts).
    const hold = opInfo.idempotent
      ? 0
      : inflightMayStillRun(delivery, this.d.requestTimeoutMs?.(data.system) ?? 30_000);
    if (hold > 0) {
      log.info(
        { inflightSince: delivery.inflightSince, holdMs: hold },
        'another run may be in flight: waiting',
      );
      this.observe(delivery, 'postponed');
      await this.holdOff(job, token, hold, 'another run of this delivery may still be in flight');
    }

    if (this.d.breakers.isOpen(data.system)) {
      this.observe(delivery, 'postponed');
      await this.waitForBreaker(job, worker, 'circuit breaker open');
    }

    if (!dossier) throw new UnrecoverableError(`dossier ${data.MaHoSo} not found`);
    // The portal push the dossier last came with: named in the logs and sent to the system as X-Correlation-Id.
    const intakeRequestId = dossier.raw.intakeRequestId || undefined;
    if (intakeRequestId && intakeRequestId !== data.requestId) log = log.child({ intakeRequestId });
    const correlation = { requestId: data.requestId ?? intakeRequestId, intakeRequestId };
    const attempt = Number(delivery.attempts) + 1;
    const ctx: DeliveryContext = {
      deliveryId: data.deliveryId,
      operation: delivery.operation,
      params: delivery.params,
      record: dossier.record,
      externalId: dossier.externalIds[data.system],
      attempt,
      facts: dossier.facts,
      log,
      recordPayload: payloadRecorder(redis, keys, {
        deliveryId: data.deliveryId,
        MaHoSo: data.MaHoSo,
        attempt,
      }),
    };
    const dKey = keys.delivery(data.deliveryId, data.MaHoSo);
    const started = Date.now();
    // Until the request is sent, a failure is the lookup's: it says nothing of the earlier attempt.
    let phase: 'lookup' | 'send' = 'lookup';
    // The in-flight mark this run wrote, if it did (undone when no request left after all).
    let claimed: string | null = null;
    try {
      if (opInfo.needsExternalId && !ctx.externalId) {
        throw new GatewayError('GW_ERR_DELIVERY_PREREQUISITE', {
          message: `${delivery.operation} needs the ${data.system} id of the dossier, which is not known yet`,
        });
      }
      if (!opInfo.idempotent && delivery.inflightSince) {
        log.info(
          { inflightSince: delivery.inflightSince },
          'earlier attempt has an unknown outcome: looking it up first',
        );
        const found = await this.d.breakers.fire(data.system, () =>
          withCorrelation(correlation, () => adapter.lookup(ctx)),
        );
        if (found.found) {
          await this.succeed(
            data,
            attempt,
            started,
            found.externalId,
            found.note ?? 'adopted after lookup',
            'adopted',
          );
          this.observe(delivery, 'adopted', started);
          log.info({ externalId: found.externalId }, 'delivery settled by lookup: already applied, adopted');
          return 'adopted';
        }
      }
      phase = 'send';
      const since = nowIso();
      if (opInfo.idempotent) {
        const starting = redis
          .multi()
          .hset(dKey, { state: 'delivering', inflightSince: since, updatedAt: since });
        indexDeliveryState(starting, keys, data.deliveryId, 'delivering');
        await starting.exec();
        claimed = since;
      } else {
        if (!(await claimInflight(redis, dKey, delivery.inflightSince, since))) {
          log.info('another run of this delivery claimed it meanwhile: waiting');
          this.observe(delivery, 'postponed');
          await this.holdOff(job, token, 1000, 'another run of this delivery claimed it');
        }
        claimed = since;
        const indexing = redis.multi();
        indexDeliveryState(indexing, keys, data.deliveryId, 'delivering');
        await indexing.exec();
      }
      const result = await this.d.breakers.fire(data.system, () =>
        withCorrelation(correlation, () => adapter.deliver(ctx)),
      );
      await this.succeed(
        data,
        attempt,
        started,
        result.externalId ?? ctx.externalId,
        result.note ?? `${delivery.operation} delivered`,
        'delivered',
      );
      this.observe(delivery, 'delivered', started);
      log.info({ externalId: result.externalId, attempt }, 'delivered');
      return 'delivered';
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      const open = (err as { code?: string }).code === 'EOPENBREAKER';
      if (open) {
        // The breaker refused the call (half-open: another call is the trial), so no request left:
        // the mark this run set is taken back, or the delivery would be looked up and held for a
        // request timeout after recovery for nothing (the backlog-drain benchmark found 1,058 such).
        if (claimed !== null) await unclaimInflight(redis, dKey, claimed, delivery.inflightSince);
        this.observe(delivery, 'postponed');
        await this.waitForBreaker(job, worker, 'circuit breaker open');
      }
      if (err instanceof GatewayError && err.code === 'GW_ERR_DELIVERY_PREREQUISITE') {
        log.info({ reason: err.message }, 'prerequisite missing: postponed without spending an attempt');
        this.observe(delivery, 'postponed');
        await this.postpone(job, token, 30_000, err.message, 'GW_ERR_DELIVERY_PREREQUISITE');
      }
      const g =
        err instanceof GatewayError
          ? err
          : new GatewayError('GW_ERR_INTERNAL', {
              message: (err as Error).message,
              outcome: 'unknown',
              cause: err,
            });
      const durationMs = Date.now() - started;
      const attemptRecord: AttemptRecord = {
        at: nowIso(),
        attempt,
        outcome: 'error',
        durationMs,
        error: { code: g.code, message: g.message, outcome: g.outcome },
      };
      await this.recordAttempt(data, attemptRecord);
      const exhausted = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const state = !g.retryable ? 'failed' : exhausted ? 'dead' : 'retrying';
      const fields: Record<string, string> = {
        state,
        attempts: String(attempt),
        lastError: JSON.stringify({ code: g.code, message: g.message }),
        updatedAt: nowIso(),
      };
      const multi = redis.multi().hset(dKey, fields);
      indexDeliveryState(multi, keys, data.deliveryId, state);
      // Only a send known not to have applied clears the mark: a lookup that failed (a 429, a
      // refused connection) leaves the earlier attempt's outcome as unknown as it was (the fault
      // suite found a land dossier entered twice after a 429 on the lookup).
      if (g.outcome === 'not-applied' && phase === 'send') multi.hdel(dKey, 'inflightSince');
      // The system itself answered (a 500, a 503): the outcome is unknown, but the request is over
      // there, so the next run looks it up at once instead of waiting out the request timeout. A 502
      // or 504 comes from a proxy in front, behind which the system may still be working: wait.
      else if (
        phase === 'send' &&
        claimed !== null &&
        g.upstreamStatus !== undefined &&
        g.upstreamStatus !== 502 &&
        g.upstreamStatus !== 504
      )
        multi.hset(dKey, 'inflightAnswered', claimed);
      if (state !== 'retrying') {
        const tk = keys.timeline(data.MaHoSo);
        multi.rpush(
          tk,
          JSON.stringify({
            at: nowIso(),
            type: 'delivery-failed',
            system: data.system,
            detail: `${delivery.operation} ${state}: ${g.message}`,
            data: { code: g.code, attempts: attempt },
          }),
        );
        multi.ltrim(tk, -TIMELINE_CAP, -1);
      }
      await multi.exec();
      if (g.code === 'GW_ERR_SYSTEM_RATE_LIMITED') {
        const ms = Math.max(1, (g.retryAfterSeconds ?? 1) * 1000);
        log.warn({ retryAfterMs: ms }, 'system rate-limited us; the queue waits');
        const waiting = redis.multi().hset(dKey, { state: 'queued' });
        indexDeliveryState(waiting, keys, data.deliveryId, 'queued');
        await waiting.exec();
        this.observe(delivery, 'postponed', started);
        await worker.rateLimit(ms);
        throw Worker.RateLimitError();
      }
      this.observe(delivery, state === 'retrying' ? 'retry' : state, started);
      log.warn({ err: g, attempt, state }, 'delivery attempt failed');
      if (!g.retryable) throw new UnrecoverableError(`${g.code}: ${g.message}`);
      throw g;
    }
  }

  /**
   * Moves the job back to delayed without spending an attempt and without touching the delivery,
   * which another run may be changing (see inflight-claim.ts).
   */
  private async holdOff(
    job: Job<DeliveryJob>,
    token: string | undefined,
    ms: number,
    why: string,
  ): Promise<never> {
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError(why);
  }

  /**
   * The system's breaker is open: the job goes back to the queue without spending an attempt and
   * the whole queue (every worker, through BullMQ's rate limiter) waits until the breaker may try
   * again. Postponing each job on its own would fetch and postpone the whole backlog once per reset
   * period (the backlog-drain benchmark measured 37,000–93,000 Redis commands/s while a 10,000-job
   * backlog waited for land).
   */
  private async waitForBreaker(
    job: Job<DeliveryJob>,
    worker: Worker<DeliveryJob>,
    why: string,
  ): Promise<never> {
    const multi = this.d.redis.multi().hset(this.d.keys.delivery(job.data.deliveryId, job.data.MaHoSo), {
      state: 'queued',
      lastError: JSON.stringify({ code: 'GW_ERR_SYSTEM_BREAKER_OPEN', message: why }),
      updatedAt: nowIso(),
    });
    indexDeliveryState(multi, this.d.keys, job.data.deliveryId, 'queued');
    await multi.exec();
    await worker.rateLimit(Math.max(1, this.d.breakers.resetTimeoutMs(job.data.system)));
    throw Worker.RateLimitError();
  }

  /** Moves the job back to delayed without spending an attempt (prerequisites, busy dossier). */
  private async postpone(
    job: Job<DeliveryJob>,
    token: string | undefined,
    ms: number,
    why: string,
    code = 'GW_ERR_SYSTEM_BREAKER_OPEN',
  ): Promise<never> {
    const multi = this.d.redis.multi().hset(this.d.keys.delivery(job.data.deliveryId, job.data.MaHoSo), {
      state: 'queued',
      lastError: JSON.stringify({ code, message: why }),
      updatedAt: nowIso(),
    });
    indexDeliveryState(multi, this.d.keys, job.data.deliveryId, 'queued');
    await multi.exec();
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError(why);
  }

  private async succeed(
    data: DeliveryJob,
    attempt: number,
    started: number,
    externalId: string | undefined,
    note: string,
    outcome: 'delivered' | 'adopted',
  ): Promise<void> {
    const { redis, keys } = this.d;
    const dKey = keys.delivery(data.deliveryId, data.MaHoSo);
    const multi = redis.multi();
    const fields: Record<string, string> = {
      state: 'delivered',
      attempts: String(attempt),
      appliedAt: nowIso(),
      updatedAt: nowIso(),
    };
    if (externalId) fields.externalId = externalId;
    multi.hset(dKey, fields);
    indexDeliveryState(multi, keys, data.deliveryId, 'delivered');
    multi.hdel(dKey, 'inflightSince', 'lastError');
    multi.rpush(
      keys.attempts(data.deliveryId, data.MaHoSo),
      JSON.stringify({ at: nowIso(), attempt, outcome, durationMs: Date.now() - started }),
    );
    if (externalId) multi.hsetnx(keys.dossier(data.MaHoSo), `ext:${data.system}`, externalId);
    const tk = keys.timeline(data.MaHoSo);
    multi.rpush(
      tk,
      JSON.stringify({
        at: nowIso(),
        type: 'delivered',
        system: data.system,
        detail: note,
        data: { externalId: externalId ?? null },
      }),
    );
    multi.ltrim(tk, -TIMELINE_CAP, -1);
    await multi.exec();
    await this.advance(data);
  }

  /** Pops this delivery off its chain (if it is still the head) and enqueues the next operation. */
  private async advance(data: DeliveryJob): Promise<void> {
    const { redis, keys } = this.d;
    const next = (await ADVANCE_CHAIN.run(
      redis,
      [keys.chain(data.MaHoSo, data.system), keys.pendingChains()],
      [data.deliveryId, `${data.MaHoSo}|${data.system}`],
    )) as string | null;
    if (next) {
      await this.d.queues.kickDelivery({
        deliveryId: next,
        MaHoSo: data.MaHoSo,
        system: data.system,
        ...(data.requestId ? { requestId: data.requestId } : {}),
      });
    }
  }
}
