import express, { type Request, type Response, type Router } from 'express';
import { actorOf, requireRole } from '../../admin/admin-auth.js';
import { maskIdentity } from '../../admin/identity-mask.js';
import type { GatewayConfig } from '../../config/config.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { FINDING_KINDS } from '../../reconciliation/drift.js';
import type { Finding } from '../../reconciliation/finding-store.js';
import type { ReconciliationAdmin } from '../../reconciliation/reconciliation-admin.js';
import { toViolations, validator } from '../../schemas.js';

const STATES = ['open', 'repaired', 'resolved', 'all'] as const;

function body<T>(req: Request, def: string): T {
  const validate = validator<T>(`reconciliation.schema.json#/$defs/${def}`);
  const b: unknown = req.body ?? {};
  if (!validate(b))
    throw new GatewayError('GW_ERR_REQUEST_INVALID', { details: toViolations(validate.errors) });
  return b as T;
}

function text(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Reconciliation in the admin API and the reports (issue 9): findings with their evidence, runs,
 * an on-demand run and resolving a finding by hand (operators, audited), and the summary per
 * system and per agency under `/v1/reports/reconciliation`.
 */
export function reconciliationRouter(d: {
  config: GatewayConfig;
  admin: ReconciliationAdmin;
  parties: readonly string[];
}): Router {
  const r = express.Router();
  const viewer = requireRole(d.config, 'viewer');
  const operator = requireRole(d.config, 'operator');
  const json = express.json({ limit: 256 * 1024, strict: true, type: () => true });
  const ctx = (req: Request, res: Response, reason: string) => ({
    actor: actorOf(res),
    reason,
    requestId: String(req.id),
  });
  const shown = (res: Response, f: Finding): Finding =>
    actorOf(res).role === 'operator' ? f : (maskIdentity(f) as Finding);

  r.get('/admin/reconciliation/findings', viewer, async (req, res) => {
    const violations: Array<{ path: string; message: string }> = [];
    const state = text(req, 'state') ?? 'open';
    if (!(STATES as readonly string[]).includes(state))
      violations.push({ path: '/query/state', message: `must be one of ${STATES.join(', ')}` });
    const system = text(req, 'system');
    if (system && !d.parties.includes(system))
      violations.push({ path: '/query/system', message: `must be one of ${d.parties.join(', ')}` });
    const kind = text(req, 'kind');
    if (kind && !(FINDING_KINDS as readonly string[]).includes(kind))
      violations.push({ path: '/query/kind', message: `must be one of ${FINDING_KINDS.join(', ')}` });
    const limitRaw = text(req, 'limit');
    const limit = limitRaw === undefined ? 50 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      violations.push({ path: '/query/limit', message: 'must be an integer from 1 to 500' });
    const cursor = text(req, 'cursor');
    if (cursor && !/^\d+(\.\d+)?\|[0-9a-f]{20}$/.test(cursor))
      violations.push({ path: '/query/cursor', message: 'is not a cursor returned by this API' });
    if (violations.length > 0) throw new GatewayError('GW_ERR_REQUEST_INVALID', { details: violations });
    const M = text(req, 'MaHoSo');
    const page = await d.admin.listFindings({
      state: state as (typeof STATES)[number],
      limit,
      ...(system ? { party: system } : {}),
      ...(kind ? { kind } : {}),
      ...(M ? { MaHoSo: M } : {}),
      ...(cursor ? { cursor } : {}),
    });
    res.json({ items: page.items.map((f) => shown(res, f)), nextCursor: page.nextCursor });
  });

  r.post('/admin/reconciliation/findings/:id/resolve', operator, json, async (req, res) => {
    const b = body<{ reason: string }>(req, 'ResolveFindingBody');
    res.json(await d.admin.resolve(String(req.params.id), ctx(req, res, b.reason)));
  });

  r.post('/admin/reconciliations', operator, json, async (req, res) => {
    const b = body<{ reason: string; MaHoSo?: string[] }>(req, 'ReconcileBody');
    const run = await d.admin.start(b.MaHoSo, ctx(req, res, b.reason));
    res.status(202).json(run);
  });

  r.get('/admin/reconciliations', viewer, async (req, res) => {
    const limitRaw = text(req, 'limit');
    const limit = limitRaw === undefined ? 20 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new GatewayError('GW_ERR_REQUEST_INVALID', {
        details: [{ path: '/query/limit', message: 'must be an integer from 1 to 200' }],
      });
    res.json({ items: await d.admin.listRuns(limit) });
  });

  r.get('/v1/reports/reconciliation', viewer, async (req, res) => {
    res.json(await d.admin.report(text(req, 'run')));
  });

  return r;
}
