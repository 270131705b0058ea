import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InboundSink, SystemAdapter } from '../adapters/adapter.js';
import { RequestPacer } from '../adapters/request-pacer.js';
import type { GatewayConfig } from '../config/config.js';
import type { Queues } from '../delivery/queues.js';
import type { PortalOperation } from '../domain/dossier-progress.js';
import type { SystemId } from '../domain/system-event.js';
import { formatPortalDateTime } from '../domain/time.js';
import type { Logger } from '../logging/logger.js';
import type { PortalReply } from '../portal/portal-transport.js';
import {
  FINISHED,
  nowIso,
  TIMELINE_CAP,
  type DossierStore,
  type StoredDossier,
} from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import { findDrift, type Drift, type PortalCopy, type PortalRow, type SystemReading } from './drift.js';
import type { Finding, FindingStore } from './finding-store.js';
import { emptyTally, type ReconciliationRun, type RunStore, type Tally } from './run-store.js';
import type { SentProgress } from './sent-progress.js';
import { RELEASE_LOCK } from '../store/lua-script.js';

export interface ReconcileJob {
  /** Set for a run asked for by an administrator; a scheduled tick creates its own. */
  runId?: string;
}

/** Why a system is not read back, when its adapter offers no `status`. */
const NOT_READ_BACK: Partial<Record<SystemId, string>> = {
  tax: 'tax.md defines no query operation: the tax authority cannot be read back',
  document: 'document management offers only its status inbox: a dossier cannot be read back',
};

const LOCK_MS = 10 * 60_000;
const DAY_MS = 24 * 3600 * 1000;

export interface ReconcilerDeps {
  config: GatewayConfig;
  redis: Redis;
  keys: Keys;
  store: DossierStore;
  adapters: ReadonlyMap<SystemId, SystemAdapter>;
  /** `TraCuuHoSo` of one dossier (portal.md §5.6). */
  readPortal(MaHoSo: string, madonvi: string): Promise<PortalReply>;
  sink: InboundSink;
  queues: Queues;
  findings: FindingStore;
  runs: RunStore;
  sent: SentProgress;
  log: Logger;
}

/** Per-run state: the pacers and the tallies. */
interface RunContext {
  run: ReconciliationRun;
  pacers: Map<string, RequestPacer>;
  log: Logger;
}

/**
 * One reconciliation run: for each open or recently closed dossier, reads the portal's copy and
 * each system's own status, finds drift (`findDrift`), records each finding, repairs what syncing
 * can repair — once — and counts per system and per agency.
 *
 * @remarks Runs are jobs on the poll queue (a job scheduler for the periodic one, so one per tick
 * for the whole cluster; an administrator's run is a job too), and a Redis lock lets only one run
 * at a time: the per-system read rate (`reconciliation.readsPerSecond`) is then the cluster's.
 * Repairs go through the normal paths only: a system's lost status as that system's event through
 * the event inbox (deduplicated by its id), portal-side drift as operations in the dossier's outbox
 * under its sync lock. A dossier with a sync or a delivery still in progress is left for the next run.
 */
export class Reconciler {
  constructor(private readonly d: ReconcilerDeps) {}

  private lockKey(): string {
    return `${this.d.keys.prefix}:recon:lock`;
  }

  async process(job: Job<ReconcileJob>, token: string | undefined): Promise<string> {
    const { redis, runs } = this.d;
    const lockToken = `${process.pid}-${job.id}-${Math.random().toString(36).slice(2)}`;
    if ((await redis.set(this.lockKey(), lockToken, 'PX', LOCK_MS, 'NX')) !== 'OK') {
      if (!job.data.runId) return 'a reconciliation is already running: this tick is skipped';
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError('waiting for the running reconciliation');
    }
    try {
      const run =
        (job.data.runId ? await runs.get(job.data.runId) : null) ??
        (await runs.create({ trigger: 'schedule', by: 'schedule', reason: 'scheduled', MaHoSo: null }));
      if (run.state === 'finished') return `run ${run.id} already finished`;
      await this.execute(run, lockToken);
      return `run ${run.id}: ${run.checked} checked, ${run.findings} finding(s), ${run.repaired} repaired, ${run.open} open`;
    } finally {
      await RELEASE_LOCK.run(redis, [this.lockKey()], [lockToken]).catch(() => undefined);
    }
  }

  /** Runs one reconciliation to its end (the caller holds the lock). */
  async execute(run: ReconciliationRun, lockToken: string): Promise<ReconciliationRun> {
    const { config, redis, runs } = this.d;
    const log = this.d.log.child({ component: 'reconciliation', run: run.id });
    run.state = 'running';
    run.startedAt = nowIso();
    for (const s of this.d.adapters.keys())
      if (!this.d.adapters.get(s)?.status) run.notReadBack[s] = NOT_READ_BACK[s] ?? `${s} offers no read`;
    await runs.save(run);
    const ctx: RunContext = { run, pacers: new Map(), log };
    try {
      const dossiers = run.MaHoSo ?? (await this.select());
      let i = 0;
      for (const M of dossiers.slice(0, config.reconciliation.maxDossiersPerRun)) {
        try {
          await this.check(M, ctx);
        } catch (err) {
          log.warn({ err, MaHoSo: M }, 'reconciliation of a dossier failed');
          run.skipped += 1;
        }
        i += 1;
        if (i % 50 === 0) {
          await redis.eval(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
            1,
            this.lockKey(),
            lockToken,
            String(LOCK_MS),
          );
          await runs.save(run);
        }
      }
      run.state = 'finished';
    } catch (err) {
      run.state = 'failed';
      run.error = (err as Error).message;
      log.error({ err }, 'reconciliation run failed');
    }
    run.finishedAt = nowIso();
    await runs.save(run);
    log.info(
      {
        checked: run.checked,
        skipped: run.skipped,
        findings: run.findings,
        repaired: run.repaired,
        open: run.open,
      },
      'reconciliation run done',
    );
    return run;
  }

  /** Open dossiers, and those closed within `closedWindowDays`. */
  private async select(): Promise<string[]> {
    const { redis, keys, config } = this.d;
    const closedSince = Date.now() - config.reconciliation.closedWindowDays * DAY_MS;
    const out: string[] = [];
    for (let offset = 0; ; offset += 500) {
      const batch = await redis.zrange(keys.allDossiers(), offset, offset + 499);
      if (batch.length === 0) return out;
      const pipe = redis.pipeline();
      for (const M of batch) pipe.hmget(keys.dossier(M), 'status', 'updatedAt');
      const rows = (await pipe.exec()) ?? [];
      batch.forEach((M, i) => {
        const [status, updatedAt] = (rows[i]?.[1] ?? []) as Array<string | null>;
        if (!status) return;
        if (!FINISHED.has(status) || Date.parse(updatedAt ?? '') >= closedSince) out.push(M);
      });
      if (batch.length < 500) return out;
    }
  }

  private pacer(ctx: RunContext, party: string): RequestPacer {
    let p = ctx.pacers.get(party);
    if (!p) {
      p = RequestPacer.perSecond(this.d.config.reconciliation.readsPerSecond);
      ctx.pacers.set(party, p);
    }
    return p;
  }

  private tally(map: Record<string, Tally>, key: string): Tally {
    return (map[key] ??= emptyTally());
  }

  /** Why the dossier is still moving (events or portal operations waiting, changed just now), if it is. */
  private async busy(M: string, d: StoredDossier): Promise<string | null> {
    const { redis, keys, config } = this.d;
    const [pending, outbox, inbox] = await Promise.all([
      redis.sismember(keys.pendingSync(), M),
      redis.llen(keys.outbox(M)),
      redis.zcard(keys.inbox(M)),
    ]);
    if (pending === 1 || outbox > 0 || inbox > 0) return 'a portal sync is in progress';
    const updated = Date.parse(d.updatedAt);
    if (Number.isFinite(updated) && Date.now() - updated < config.reconciliation.settleMs)
      return 'changed less than reconciliation.settleMs ago';
    return null;
  }

  private async check(M: string, ctx: RunContext): Promise<void> {
    const { store, redis, keys, config } = this.d;
    const run = ctx.run;
    const d = await store.get(M);
    if (!d) return;
    const busy = await this.busy(M, d);
    if (busy) {
      ctx.log.debug({ MaHoSo: M, why: busy }, 'dossier left for a later run');
      run.skipped += 1;
      return;
    }
    const agency = d.record.DonViXuLy || d.madonvi || '-';
    const readings: Partial<Record<SystemId, SystemReading>> = {};
    for (const s of d.route) {
      const adapter = this.d.adapters.get(s);
      if (!adapter?.status) {
        readings[s] = 'unreadable';
        continue;
      }
      // A delivery still on its way: the system may not have what the gateway is about to send.
      if ((await redis.llen(keys.chain(M, s))) > 0) {
        readings[s] = 'settling';
        continue;
      }
      await this.pacer(ctx, s).take();
      try {
        readings[s] = await adapter.status({
          MaHoSo: M,
          externalId: d.externalIds[s],
          record: d.record,
          log: ctx.log.child({ system: s, MaHoSo: M }),
        });
      } catch (err) {
        ctx.log.warn({ err, system: s, MaHoSo: M }, 'reading a system back failed');
        readings[s] = { error: (err as Error).message };
      }
    }
    await this.pacer(ctx, 'portal').take();
    let portal: PortalCopy = null;
    try {
      const reply = await this.d.readPortal(M, d.madonvi);
      if (reply.error_code === '0' && reply.result) {
        portal = {
          found: true,
          TrangThaiHoSo: String(reply.result.TrangThaiHoSo ?? ''),
          NgayHenTra: String(reply.result.NgayHenTra ?? ''),
          DanhSachTienDo: (reply.result.DanhSachTienDo ?? []) as PortalRow[],
        };
      } else if (reply.error_code === '4') portal = { found: false };
    } catch (err) {
      ctx.log.warn({ err, MaHoSo: M }, 'reading the portal failed');
    }
    const deliveries = await store.deliveries(M);
    const entered: Partial<Record<SystemId, { externalId: string | undefined }>> = {};
    for (const s of d.route) {
      const first = deliveries.find((x) => x.system === s);
      if (first && (first.state === 'delivered' || first.state === 'resolved'))
        entered[s] = { externalId: d.externalIds[s] ?? first.externalId ?? undefined };
    }
    const drifts = findDrift({
      MaHoSo: M,
      status: d.status,
      route: d.route,
      completion: d.completion,
      systemStatus: d.systemStatus,
      NgayHenTra: d.record.NgayHenTra ?? '',
      portalKnown: d.portalKnown,
      entered,
      sentRows: await this.d.sent.list(M),
      portal,
      readings,
      settledBefore: formatPortalDateTime(new Date(Date.now() - config.reconciliation.settleMs)),
    });

    run.checked += 1;
    const seen: Array<{ finding: Finding; drift: Drift }> = [];
    for (const drift of drifts) {
      const { finding, isNew } = await this.d.findings.observe(M, agency, drift, run.id);
      run.findings += 1;
      if (isNew) run.newFindings += 1;
      else if (finding.state === 'repaired' && finding.repair?.runId !== run.id)
        await this.d.findings.escalate(finding.id, `seen again by run ${run.id}`);
      seen.push({ finding, drift });
    }
    const repaired = await this.repair(M, d, seen, ctx);

    const byAgency = this.tally(run.byAgency, agency);
    byAgency.checked += 1;
    const parties: Array<SystemId | 'portal'> = [...d.route, 'portal'];
    for (const p of parties) {
      const t = this.tally(run.bySystem, p);
      const r = p === 'portal' ? portal : readings[p];
      const read = p === 'portal' ? r !== null : typeof r === 'object' && r !== null && 'entries' in r;
      if (!read) {
        if (r !== 'settling') t.unread += 1;
        continue;
      }
      t.checked += 1;
      if (!seen.some((x) => x.drift.party === p)) t.agreed += 1;
    }
    let open = 0;
    for (const { finding, drift } of seen) {
      const t = this.tally(run.bySystem, drift.party);
      const now = (await this.d.findings.get(finding.id)) ?? finding;
      if (repaired.has(finding.id)) {
        t.repaired += 1;
        run.repaired += 1;
      } else if (now.state === 'open') {
        t.open += 1;
        run.open += 1;
        open += 1;
      }
    }
    if (seen.length === 0) {
      run.agreed += 1;
      byAgency.agreed += 1;
    }
    if (repaired.size > 0) byAgency.repaired += 1;
    if (open > 0) byAgency.open += 1;
  }

  /**
   * Repairs the repairable findings of one dossier, each at most once (the claim in the finding
   * store). Returns the ids of the findings repaired by this call.
   */
  private async repair(
    M: string,
    d: StoredDossier,
    seen: Array<{ finding: Finding; drift: Drift }>,
    ctx: RunContext,
  ): Promise<Set<string>> {
    const { findings, sink, store, redis, keys, queues } = this.d;
    const done = new Set<string>();
    const requestId = `reconcile-${ctx.run.id}`;
    const candidates = seen.filter(
      (x) =>
        x.drift.classification === 'repairable' &&
        x.drift.repair &&
        x.finding.state === 'open' &&
        !x.finding.repair,
    );
    for (const { finding, drift } of candidates) {
      if (drift.repair?.kind !== 'event') continue;
      const event = drift.repair.event;
      if (
        !(await findings.claimRepair(
          finding.id,
          ctx.run.id,
          `${event.system} event ${event.eventId} through the inbox`,
        ))
      )
        continue;
      try {
        await sink.accept([event], requestId);
        done.add(finding.id);
      } catch (err) {
        await findings.releaseRepair(finding.id);
        ctx.log.warn({ err, MaHoSo: M }, 'handing a read-back event to the engine failed');
      }
    }
    const outboxed = candidates.filter(
      (x) => x.drift.repair?.kind === 'record' || x.drift.repair?.kind === 'progress',
    );
    if (outboxed.length === 0) return done;
    const pushed = await store.withLock(keys.syncLock(M), 10_000, async () => {
      // Something arrived meanwhile: the next run looks again once it has been sent.
      if ((await redis.llen(keys.outbox(M))) > 0 || (await redis.zcard(keys.inbox(M))) > 0) return 0;
      const rows: Array<{ id: string; row: PortalRow }> = [];
      const records: string[] = [];
      for (const { finding, drift } of outboxed) {
        const how = drift.repair?.kind === 'progress' ? 'progress row sent again' : 'record synced';
        if (!(await findings.claimRepair(finding.id, ctx.run.id, `${how} through the outbox`))) continue;
        done.add(finding.id);
        if (drift.repair?.kind === 'progress')
          for (const row of drift.repair.rows) rows.push({ id: finding.id, row });
        else records.push(finding.id);
      }
      rows.sort((a, b) => a.row.ThoiDiemXuLy.localeCompare(b.row.ThoiDiemXuLy));
      const ops: PortalOperation[] = rows.map((r) => ({
        id: `reconcile:${r.id}:progress`,
        kind: 'progress',
        row: r.row,
      }));
      // A row sent again sets the portal's status to its own: the record then puts the current one back.
      const last = rows[rows.length - 1]?.row.TrangThai;
      if (records.length > 0 || (last !== undefined && last !== d.status))
        ops.push({
          id: `reconcile:${[...records, ...rows.map((r) => r.id)].join('+').slice(0, 200)}:record`,
          kind: 'record',
          status: d.status,
        });
      if (ops.length === 0) return 0;
      const multi = redis.multi();
      multi.rpush(keys.outbox(M), ...ops.map((o) => JSON.stringify(o)));
      multi.sadd(keys.pendingSync(), M);
      multi.rpush(
        keys.timeline(M),
        JSON.stringify({
          at: nowIso(),
          type: 'note',
          system: 'portal',
          detail: `reconciliation ${ctx.run.id}: ${ops.length} portal operation(s) queued to repair drift (${rows.length} progress row(s) missing${records.length > 0 ? ', record out of date' : ''})`,
        }),
      );
      multi.ltrim(keys.timeline(M), -TIMELINE_CAP, -1);
      await multi.exec();
      return ops.length;
    });
    if (pushed > 0) await queues.kickSync(M, 0, requestId);
    return done;
  }
}
