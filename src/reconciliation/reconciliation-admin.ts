import type { ActionContext } from '../admin/delivery-admin.js';
import type { AuditLog } from '../admin/audit-log.js';
import type { Queues } from '../delivery/queues.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Finding, FindingState, FindingStore } from './finding-store.js';
import { emptyTally, type ReconciliationRun, type RunStore, type Tally } from './run-store.js';

export const RECONCILE_JOB = 'reconcile';

export interface ReconciliationReport {
  run: ReconciliationRun | null;
  /** Findings waiting for a person now, whichever run found them, per party and per agency. */
  openNow: { total: number; bySystem: Record<string, number>; byAgency: Record<string, number> };
  bySystem: Record<string, Tally>;
  byAgency: Record<string, Tally>;
}

/**
 * What administrators do with reconciliation: start a run, list runs and findings, resolve a
 * finding by hand. Every mutation is audited; a run itself is done by a worker (a job), so the
 * API process needs neither the portal session nor the systems' clients.
 */
export class ReconciliationAdmin {
  constructor(
    private readonly d: { runs: RunStore; findings: FindingStore; queues: Queues; audit: AuditLog },
  ) {}

  async start(MaHoSo: string[] | undefined, ctx: ActionContext): Promise<ReconciliationRun> {
    const run = await this.d.runs.create({
      trigger: 'admin',
      by: ctx.actor.name,
      reason: ctx.reason,
      MaHoSo: MaHoSo ?? null,
    });
    await this.d.audit.append({
      actor: ctx.actor,
      action: 'reconcile',
      target: `reconciliation:${run.id}`,
      dossiers: MaHoSo ?? [],
      reason: ctx.reason,
      details: { run: run.id, scope: MaHoSo ? 'dossiers' : 'all open and recently closed' },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    await this.d.queues.poll.add(RECONCILE_JOB, { system: 'land', runId: run.id } as never, {
      jobId: `reconcile-${run.id}`,
      attempts: 1,
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 100 },
    });
    return run;
  }

  async resolve(id: string, ctx: ActionContext): Promise<Finding> {
    const out = await this.d.findings.resolve(id, ctx.actor.name, ctx.reason, ctx.requestId ?? null);
    if (out === 'missing') throw new GatewayError('GW_ERR_FINDING_NOT_FOUND', { details: { id } });
    if (out !== 'ok')
      throw new GatewayError('GW_ERR_FINDING_STATE_CONFLICT', {
        message: `The finding is ${out}, not open: only an open finding is resolved by hand`,
        details: { id, state: out },
      });
    const f = (await this.d.findings.get(id))!;
    await this.d.audit.append({
      actor: ctx.actor,
      action: 'resolve-finding',
      target: `finding:${id}`,
      dossiers: [f.MaHoSo],
      reason: ctx.reason,
      details: { kind: f.kind, party: f.party, summary: f.summary },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return f;
  }

  listFindings(opts: {
    state?: FindingState | 'all';
    party?: string;
    kind?: string;
    MaHoSo?: string;
    limit: number;
    cursor?: string;
  }): ReturnType<FindingStore['list']> {
    return this.d.findings.list(opts);
  }

  listRuns(limit: number): Promise<ReconciliationRun[]> {
    return this.d.runs.list(limit);
  }

  /** The report: a run's figures (the newest finished one by default) and what is open now. */
  async report(runId?: string): Promise<ReconciliationReport> {
    const run = runId ? await this.d.runs.get(runId) : await this.d.runs.latestFinished();
    if (runId && !run) throw new GatewayError('GW_ERR_RECONCILIATION_NOT_FOUND', { details: { run: runId } });
    const openNow: ReconciliationReport['openNow'] = { total: 0, bySystem: {}, byAgency: {} };
    let cursor: string | undefined;
    for (let page = 0; page < 100; page += 1) {
      const { items, nextCursor } = await this.d.findings.list({
        state: 'open',
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      for (const f of items) {
        openNow.total += 1;
        openNow.bySystem[f.party] = (openNow.bySystem[f.party] ?? 0) + 1;
        openNow.byAgency[f.agency] = (openNow.byAgency[f.agency] ?? 0) + 1;
      }
      if (!nextCursor) break;
      cursor = nextCursor;
    }
    const fill = (m: Record<string, Tally> | undefined): Record<string, Tally> =>
      Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, { ...emptyTally(), ...v }]));
    return { run, openNow, bySystem: fill(run?.bySystem), byAgency: fill(run?.byAgency) };
  }
}
