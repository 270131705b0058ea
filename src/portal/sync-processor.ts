import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config/config.js';
import type { DossierRecord } from '../domain/dossier.js';
import { parsePortalDateTime } from '../domain/time.js';
import { applyEvents, statusAtSend, type PortalOperation } from '../domain/dossier-progress.js';
import type { ProgressRow, SystemEvent } from '../domain/system-event.js';
import { GatewayError } from '../errors/gateway-error.js';
import { withCorrelation } from '../logging/correlation.js';
import type { Logger } from '../logging/logger.js';
import { nowIso, TIMELINE_CAP, type DossierStore } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { SyncJob } from '../delivery/queues.js';
import type { PortalTransport } from './portal-transport.js';
import type { SyncObserver } from './sync-observer.js';
import { RELEASE_LOCK } from '../store/lua-script.js';

const FINAL = new Set(['3', '7', '8', '9', '10']);

/**
 * For a late dossier, a changed appointment date may reach the portal only with the signed apology
 * letter that fixes it (the last DanhSachXinLoi entry's NgayHenTraMoi). Returns the refusal, if any.
 */
export function unjustifiedNewDate(
  portalCopy: DossierRecord,
  outgoing: DossierRecord,
  overdue: boolean,
): string | undefined {
  if (!overdue || !outgoing.NgayHenTra || outgoing.NgayHenTra === portalCopy.NgayHenTra) return undefined;
  const letters = outgoing.DanhSachXinLoi ?? [];
  const last = letters[letters.length - 1];
  if (last && last.NgayHenTraMoi === outgoing.NgayHenTra) return undefined;
  return `refused: the appointment date of a late dossier changes to ${outgoing.NgayHenTra} without a signed apology letter`;
}

type ProgressOp = Extract<PortalOperation, { kind: 'progress' }>;

function sameRow(a: ProgressRow & { MaHoSo: string }, b: ProgressRow & { MaHoSo: string }): boolean {
  return (
    a.MaHoSo === b.MaHoSo &&
    a.ThoiDiemXuLy === b.ThoiDiemXuLy &&
    a.NoiDungXuLy === b.NoiDungXuLy &&
    a.TrangThai === b.TrangThai &&
    a.NguoiXuLy === b.NguoiXuLy
  );
}

export interface SyncProcessorDeps {
  config: GatewayConfig;
  redis: Redis;
  keys: Keys;
  store: DossierStore;
  portal: PortalTransport;
  /** Told when the portal has acknowledged a dossier's pending work (metrics). */
  observer?: SyncObserver;
  log: Logger;
}

/**
 * Keeps the portal in step with one dossier (portal.md §5).
 *
 * @remarks One dossier is synced by one worker at a time (a Redis lock), because the portal
 * applies whatever arrives last. Events wait in the inbox until none has arrived for the reorder
 * window, then are applied in the order they happened. Portal operations go out from an outbox in
 * order; a progress batch whose earlier send had an unknown outcome is first compared with the
 * portal's DanhSachTienDo (TraCuuHoSo) so no row is appended twice.
 */
export class SyncProcessor {
  constructor(private readonly d: SyncProcessorDeps) {}

  async process(job: Job<SyncJob>, token: string | undefined): Promise<string> {
    const { redis, keys, config } = this.d;
    const M = job.data.MaHoSo;
    const lockKey = keys.syncLock(M);
    const lockToken = `${process.pid}-${job.id}-${Math.random().toString(36).slice(2)}`;
    const ttl = config.portal.timeoutMs * 4 + 10_000;
    if ((await redis.set(lockKey, lockToken, 'PX', ttl, 'NX')) !== 'OK') {
      await job.moveToDelayed(Date.now() + 250, token);
      throw new DelayedError('dossier sync busy');
    }
    // The callback (or poll) that caused this sync is `requestId`; the portal push the dossier last
    // came with is `intakeRequestId`. Both are logged and sent to the portal as headers.
    // What this run reads first, in one round trip.
    const [h, inbox] = await Promise.all([
      redis.hmget(keys.dossier(M), 'intakeRequestId', 'lastArrival', 'firstPendingArrival'),
      redis.zrange(keys.inbox(M), 0, -1),
    ]);
    const intakeRequestId = h[0] || undefined;
    const correlation = { requestId: job.data.requestId ?? intakeRequestId, intakeRequestId };
    const log = this.d.log.child({
      requestId: job.data.requestId ?? null,
      ...(intakeRequestId ? { intakeRequestId } : {}),
      MaHoSo: M,
      jobId: job.id,
      system: 'portal',
    });
    try {
      const settleIn = await this.applySettledEvents(M, log, inbox, h[1] ?? null, h[2] ?? null);
      if (settleIn > 0) {
        await RELEASE_LOCK.run(redis, [lockKey], [lockToken]);
        await job.moveToDelayed(Date.now() + settleIn, token);
        throw new DelayedError('waiting for the reorder window');
      }
      const failures = await withCorrelation(correlation, () => this.drainOutbox(M, log));
      const [inboxLeft, outboxLeft, pendingSince] = await Promise.all([
        redis.zcard(keys.inbox(M)),
        redis.llen(keys.outbox(M)),
        redis.hget(keys.dossier(M), 'syncPendingSince'),
      ]);
      if (inboxLeft === 0 && outboxLeft === 0) await redis.srem(keys.pendingSync(), M);
      if (outboxLeft === 0 && pendingSince) await this.settleLag(M, pendingSince, failures.length === 0);
      if (failures.length > 0) throw new UnrecoverableError(failures.join('; '));
      return 'synced';
    } finally {
      await RELEASE_LOCK.run(redis, [lockKey], [lockToken]).catch(() => undefined);
    }
  }

  /**
   * The outbox is empty: the portal has answered everything the dossier's events implied since
   * `syncPendingSince`. Reports the lag, unless the portal refused part of it.
   */
  private async settleLag(M: string, pendingSince: string, acknowledged: boolean): Promise<void> {
    await this.d.redis.hdel(this.d.keys.dossier(M), 'syncPendingSince');
    const since = Number(pendingSince);
    if (acknowledged && Number.isFinite(since)) this.d.observer?.portalSynced({ lagMs: Date.now() - since });
  }

  /** Applies the inbox if it has been quiet for the reorder window; returns ms to wait otherwise. */
  private async applySettledEvents(
    M: string,
    log: Logger,
    raw: string[],
    lastArrival: string | null,
    firstPendingArrival: string | null,
  ): Promise<number> {
    const { redis, keys, config, store } = this.d;
    if (raw.length === 0) return 0;
    const now = Date.now();
    const win = config.portal.reorderWindowMs;
    const quietFor = now - Number(lastArrival ?? 0);
    const pendingFor = now - Number(firstPendingArrival ?? lastArrival ?? 0);
    if (quietFor < win && pendingFor < win * 10) return Math.max(20, win - quietFor);
    const dossier = await store.get(M);
    if (!dossier) throw new UnrecoverableError(`dossier ${M} not found`);
    const events = raw.map((s) => JSON.parse(s) as SystemEvent);
    const out = applyEvents(
      {
        MaHoSo: M,
        record: dossier.record,
        status: dossier.status,
        route: dossier.route,
        completion: dossier.completion,
        taxNotices: dossier.taxNotices,
        apologies: Object.fromEntries(
          Object.entries(dossier.raw)
            .filter(([k]) => k.startsWith('apology:'))
            .map(([k, v]) => [
              k.slice('apology:'.length),
              JSON.parse(v) as { LyDo: string; NgayHenTraTruoc: string; NgayHenTraDeXuat: string },
            ]),
        ),
        systemStatus: dossier.systemStatus,
        systemLastEventAt: dossier.systemLastEventAt,
        lastNguoiXuLy: dossier.lastNguoiXuLy,
      },
      events,
      config.portal.actorName,
    );
    const s = out.state;
    const multi = redis.multi();
    multi.zrem(keys.inbox(M), ...raw);
    multi.hdel(keys.dossier(M), 'firstPendingArrival');
    // The sync lag runs from the oldest of these events' arrival until the portal acknowledges.
    if (out.operations.length > 0)
      multi.hsetnx(keys.dossier(M), 'syncPendingSince', firstPendingArrival ?? lastArrival ?? String(now));
    const fields: Record<string, string> = {
      record: JSON.stringify(s.record),
      status: s.status,
      taxNotices: JSON.stringify(s.taxNotices),
      updatedAt: nowIso(),
    };
    // A new appointment date (a signed apology letter) moves the deadline; a finished dossier has none.
    if (FINAL.has(s.status)) multi.zrem(keys.deadlines(), M).srem(keys.overdue(), M);
    else if (s.record.NgayHenTra && s.record.NgayHenTra !== dossier.record.NgayHenTra) {
      const due = parsePortalDateTime(s.record.NgayHenTra);
      if (due) multi.zadd(keys.deadlines(), due.getTime(), M);
      // A signed letter gives the dossier a new date: it is not late until that one passes.
      if (due && due.getTime() > Date.now()) multi.srem(keys.overdue(), M);
    }
    // A system that has finished, or a dossier that has ended, is no longer polled.
    for (const sys of s.route) {
      const st = s.systemStatus[sys];
      if (FINAL.has(s.status) || (st !== undefined && FINAL.has(st))) multi.srem(keys.openDossiers(sys), M);
    }
    if (s.lastNguoiXuLy) fields.lastNguoiXuLy = s.lastNguoiXuLy;
    for (const [sys, st] of Object.entries(s.systemStatus)) fields[`sys:${sys}:status`] = st;
    for (const [sys, t] of Object.entries(s.systemLastEventAt)) fields[`sys:${sys}:lastEventAt`] = String(t);
    for (const e of events) if (e.externalId) multi.hsetnx(keys.dossier(M), `ext:${e.system}`, e.externalId);
    multi.hset(keys.dossier(M), fields);
    if (out.operations.length > 0) {
      // Stamped with the portal versions known now: see statusAtSend.
      const stamped = out.operations.map((o) => JSON.stringify({ ...o, versions: dossier.versions }));
      multi.rpush(keys.outbox(M), ...stamped);
    }
    const tk = keys.timeline(M);
    for (const a of out.applied) {
      const detail = a.late
        ? `${a.event.kind} arrived after a later event: recorded, status kept at ${a.statusAfter}`
        : a.refused
          ? `${a.event.kind}: ${a.refused}; status kept at ${a.statusAfter}`
          : a.statusBefore !== a.statusAfter
            ? `status ${a.statusBefore} → ${a.statusAfter} (${a.event.kind})`
            : `${a.event.kind} applied (status ${a.statusAfter})`;
      multi.rpush(
        tk,
        JSON.stringify({
          at: nowIso(),
          type: a.late ? 'callback-late' : 'status',
          system: a.event.system,
          detail,
          data: { eventId: a.event.eventId },
        }),
      );
    }
    multi.ltrim(tk, -TIMELINE_CAP, -1);
    await multi.exec();
    log.info(
      { events: events.length, operations: out.operations.length, status: s.status },
      'events applied',
    );
    return 0;
  }

  private async drainOutbox(M: string, log: Logger): Promise<string[]> {
    const { redis, keys } = this.d;
    const failures: string[] = [];
    for (let guard = 0; guard < 1000; guard += 1) {
      const head = await redis.lrange(keys.outbox(M), 0, 9);
      if (head.length === 0) break;
      const ops = head.map((s) => JSON.parse(s) as PortalOperation);
      const first = ops[0]!;
      if (first.kind === 'record') {
        const failure = await this.sendRecord(M, first, log);
        if (failure) failures.push(failure);
        await this.finish(M, 1, first, failure);
        continue;
      }
      const batch: ProgressOp[] = [];
      for (const o of ops) {
        if (o.kind !== 'progress') break;
        batch.push(o);
      }
      const { sent, failure } = await this.sendProgress(M, batch, log);
      if (failure) failures.push(failure);
      await this.finish(M, batch.length, batch[0]!, failure, sent);
    }
    return failures;
  }

  /** Removes `count` operations from the outbox head; a refused one is kept in the failed list. */
  private async finish(
    M: string,
    count: number,
    first: PortalOperation,
    failure: string | undefined,
    sentRows?: number,
  ): Promise<void> {
    const { redis, keys } = this.d;
    const multi = redis.multi();
    if (failure) {
      const popped = await redis.lrange(keys.outbox(M), 0, count - 1);
      for (const p of popped)
        multi.rpush(
          keys.outboxFailed(M),
          JSON.stringify({ at: nowIso(), reason: failure, operation: JSON.parse(p) as unknown }),
        );
      // The administrators' list of refused portal syncs (GET /admin/syncs/failed).
      multi.zadd(keys.failedSyncs(), Date.now(), M);
    }
    multi.ltrim(keys.outbox(M), count, -1);
    multi.hdel(keys.dossier(M), 'outboxInflight');
    const tk = keys.timeline(M);
    multi.rpush(
      tk,
      JSON.stringify({
        at: nowIso(),
        type: failure ? 'portal-sync-failed' : 'portal-synced',
        system: 'portal',
        detail: failure
          ? failure
          : first.kind === 'record'
            ? `DongBoHoSoMC accepted (TrangThaiHoSo ${first.status})`
            : `CapNhatTienDoHoSoMC accepted (${sentRows ?? count} row(s), TrangThai ${first.row.TrangThai})`,
      }),
    );
    multi.ltrim(tk, -TIMELINE_CAP, -1);
    await multi.exec();
  }

  private async sendRecord(
    M: string,
    op: Extract<PortalOperation, { kind: 'record' }>,
    log: Logger,
  ): Promise<string | undefined> {
    const { store, portal, redis, keys } = this.d;
    const dossier = await store.get(M);
    if (!dossier) return `dossier ${M} not found`;
    const record: DossierRecord = { ...dossier.record, TrangThaiHoSo: statusAtSend(op, op.status, dossier) };
    const refusal = unjustifiedNewDate(
      dossier.portalRecord,
      record,
      Object.keys(dossier.raw).some((k) => k.startsWith('overdue:')),
    );
    if (refusal) {
      log.warn({ NgayHenTra: record.NgayHenTra }, refusal);
      return refusal;
    }
    let reply = await portal.syncRecord(record, dossier.portalKnown, dossier.madonvi);
    if (reply.error_code === '3') reply = await portal.syncRecord(record, true, dossier.madonvi);
    if (reply.error_code === '0') {
      if (!dossier.portalKnown) await redis.hset(keys.dossier(M), 'portalKnown', '1');
      log.info({ status: op.status }, 'portal record synced');
      return undefined;
    }
    log.warn({ errorCode: reply.error_code, message: reply.message }, 'portal refused the record');
    return `DongBoHoSoMC refused (error_code ${reply.error_code}): ${reply.message}`;
  }

  private async sendProgress(
    M: string,
    batch: ProgressOp[],
    log: Logger,
  ): Promise<{ sent: number; failure?: string }> {
    const { redis, keys, store, portal } = this.d;
    const dossier = await store.get(M);
    if (!dossier) return { sent: 0, failure: `dossier ${M} not found` };
    let rows = batch.map((o) => ({ ...o.row, TrangThai: statusAtSend(o, o.row.TrangThai, dossier) }));
    const inflight = await redis.hget(keys.dossier(M), 'outboxInflight');
    if (inflight === batch[0]!.id) {
      // The previous send of this batch had an unknown outcome: the portal may hold some rows already.
      const read = await portal.read(M, dossier.madonvi);
      if (read.error_code === '0') {
        const have = read.result?.DanhSachTienDo ?? [];
        rows = rows.filter((r) => !have.some((h) => sameRow(h, r)));
        log.info(
          { alreadyThere: batch.length - rows.length },
          'checked the portal before resending progress rows',
        );
      } else if (read.error_code !== '4') {
        throw new GatewayError('GW_ERR_PORTAL_UNAVAILABLE', {
          message: `TraCuuHoSo failed: ${read.message}`,
          outcome: 'not-applied',
        });
      }
      if (rows.length === 0) return { sent: 0 };
    }
    await redis.hset(keys.dossier(M), 'outboxInflight', batch[0]!.id);
    const reply = await portal.appendProgress(rows, dossier.madonvi);
    if (reply.error_code === '0') {
      log.info(
        { rows: rows.length, status: rows[rows.length - 1]?.TrangThai },
        'progress rows appended at the portal',
      );
      return { sent: rows.length };
    }
    log.warn({ errorCode: reply.error_code, message: reply.message }, 'portal refused the progress rows');
    return {
      sent: 0,
      failure: `CapNhatTienDoHoSoMC refused (error_code ${reply.error_code}): ${reply.message}`,
    };
  }
}
