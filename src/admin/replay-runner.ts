import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config/config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../logging/logger.js';
import { nowIso } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { AuditLog } from './audit-log.js';
import type { ActionContext, DeliveryAdmin } from './delivery-admin.js';
import { REPLAYABLE } from './delivery-admin.js';
import type { DeliveryFilter, DeliveryQuery, DeliveryRow } from './delivery-query.js';
import { maskIdentity } from './identity-mask.js';

/** A bulk replay selects at most this many deliveries; narrow the filters for more. */
export const BULK_MAX = 100_000;
/** A running replay whose progress has not moved for this long was cut short (its process stopped). */
const STALE_MS = 30_000;
const RUN_TTL_SECONDS = 30 * 24 * 3600;

export interface ReplayRun {
  id: string;
  state: 'running' | 'finished' | 'interrupted';
  total: number;
  done: number;
  replayed: number;
  skipped: number;
  errors: number;
  ratePerSecond: number;
  actor: string;
  reason: string;
  filter: unknown;
  startedAt: string;
  finishedAt: string | null;
  /** How long the run took (ms), once it ended. */
  durationMs: number | null;
  /** Deliveries not replayed, with why (skipped or failed), up to 100. */
  problems: Array<{ id: string; why: string }>;
}

/**
 * Bulk replays: a dry run that only counts and shows a sample, and real runs that re-enqueue the
 * selected deliveries one by one at a bounded rate, so a system that just came back is not flooded.
 *
 * @remarks The selection is taken once, when the run starts; each item then goes through
 * `DeliveryAdmin.replay`, which re-checks the state atomically, so a delivery that was replayed or
 * resolved meanwhile is skipped, never sent twice. A run executes in the API process that took
 * the request and records its progress in Redis; if that process stops, the run shows as
 * `interrupted` and the same request replays what is still dead or failed.
 */
export class ReplayRunner {
  private readonly active = new Map<string, AbortController>();

  constructor(
    private readonly d: {
      config: GatewayConfig;
      redis: Redis;
      keys: Keys;
      query: DeliveryQuery;
      admin: DeliveryAdmin;
      audit: AuditLog;
      log: Logger;
    },
  ) {}

  /** Only failed and dead deliveries are replayed, whatever states the filter names. */
  private selection(filter: DeliveryFilter): DeliveryFilter {
    const states = filter.states.filter((s) => REPLAYABLE.includes(s));
    return { ...filter, states: states.length > 0 ? states : [...REPLAYABLE] };
  }

  async dryRun(
    filter: DeliveryFilter,
    opts: { mask: boolean },
  ): Promise<{ dryRun: true; count: number; dossiers: number; sample: DeliveryRow[]; truncated: boolean }> {
    const rows = await this.d.query.collect(this.selection(filter), BULK_MAX);
    const n = this.d.config.admin.replaySampleSize;
    return {
      dryRun: true,
      count: rows.length,
      dossiers: new Set(rows.map((r) => r.MaHoSo)).size,
      sample: rows.slice(0, n).map((r) => (opts.mask ? (maskIdentity(r) as DeliveryRow) : r)),
      truncated: rows.length >= BULK_MAX,
    };
  }

  async start(
    filter: DeliveryFilter,
    ctx: Omit<ActionContext, 'runId'>,
    ratePerSecond?: number,
  ): Promise<ReplayRun> {
    const { config, redis, keys } = this.d;
    const rate = Math.min(
      ratePerSecond ?? config.admin.replayRatePerSecond,
      config.admin.replayMaxRatePerSecond,
    );
    const selection = this.selection(filter);
    const rows = await this.d.query.collect(selection, BULK_MAX);
    const id = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
    const run: ReplayRun = {
      id,
      state: rows.length === 0 ? 'finished' : 'running',
      total: rows.length,
      done: 0,
      replayed: 0,
      skipped: 0,
      errors: 0,
      ratePerSecond: rate,
      actor: ctx.actor.name,
      reason: ctx.reason,
      filter: selection,
      startedAt: nowIso(),
      finishedAt: rows.length === 0 ? nowIso() : null,
      durationMs: rows.length === 0 ? 0 : null,
      problems: [],
    };
    await this.save(run);
    await this.d.audit.append({
      actor: ctx.actor,
      action: 'replay-bulk',
      target: `replay:${id}`,
      dossiers: rows.map((r) => r.MaHoSo),
      reason: ctx.reason,
      details: { runId: id, filter: selection, deliveries: rows.length, ratePerSecond: rate },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    if (rows.length > 0) {
      const abort = new AbortController();
      this.active.set(id, abort);
      void this.execute(run, rows, ctx, abort.signal)
        .catch((err: unknown) => this.d.log.error({ err, runId: id }, 'bulk replay stopped'))
        .finally(() => this.active.delete(id));
    }
    void redis.expire(keys.replayRun(id), RUN_TTL_SECONDS).catch(() => undefined);
    return run;
  }

  private async execute(
    run: ReplayRun,
    rows: DeliveryRow[],
    ctx: Omit<ActionContext, 'runId'>,
    signal: AbortSignal,
  ): Promise<void> {
    const spacing = 1000 / run.ratePerSecond;
    const t0 = Date.now();
    let lastSave = 0;
    for (const [i, row] of rows.entries()) {
      if (signal.aborted) {
        run.state = 'interrupted';
        break;
      }
      const wait = t0 + i * spacing - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        const r = await this.d.admin.replay(row.id, { ...ctx, runId: run.id }, false);
        if (r.outcome === 'replayed') run.replayed += 1;
        else {
          run.skipped += 1;
          if (run.problems.length < 100) run.problems.push({ id: row.id, why: r.why });
        }
      } catch (err) {
        run.errors += 1;
        const why = err instanceof GatewayError ? `${err.code}: ${err.message}` : (err as Error).message;
        if (run.problems.length < 100) run.problems.push({ id: row.id, why });
      }
      run.done += 1;
      if (Date.now() - lastSave > 250 || run.done === run.total) {
        lastSave = Date.now();
        await this.save(run);
      }
    }
    if (run.state === 'running') run.state = 'finished';
    run.finishedAt = nowIso();
    run.durationMs = Date.now() - t0;
    await this.save(run);
    this.d.log.info(
      { runId: run.id, replayed: run.replayed, skipped: run.skipped, errors: run.errors },
      'bulk replay finished',
    );
  }

  private async save(run: ReplayRun): Promise<void> {
    await this.d.redis.hset(this.d.keys.replayRun(run.id), {
      run: JSON.stringify(run),
      heartbeat: String(Date.now()),
    });
  }

  async get(id: string): Promise<ReplayRun> {
    if (!/^[a-z0-9-]{1,40}$/.test(id)) throw new GatewayError('GW_ERR_REPLAY_NOT_FOUND', { details: { id } });
    const h = await this.d.redis.hgetall(this.d.keys.replayRun(id));
    if (!h.run) throw new GatewayError('GW_ERR_REPLAY_NOT_FOUND', { details: { id } });
    const run = JSON.parse(h.run) as ReplayRun;
    if (run.state === 'running' && !this.active.has(id) && Date.now() - Number(h.heartbeat ?? 0) > STALE_MS)
      run.state = 'interrupted';
    return run;
  }

  /** Stops the runs of this process (shutdown); each records where it stopped. */
  stop(): void {
    for (const a of this.active.values()) a.abort();
  }

  async idle(): Promise<void> {
    while (this.active.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
