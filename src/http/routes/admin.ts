import express, { type Request, type Router } from 'express';
import type { GatewayConfig } from '../../config/config.js';
import { actorOf, requireRole } from '../../admin/admin-auth.js';
import type { AuditLog } from '../../admin/audit-log.js';
import type { DeliveryAdmin } from '../../admin/delivery-admin.js';
import { decodeCursor, type DeliveryQuery, type DeliveryRow } from '../../admin/delivery-query.js';
import { parseDeliveryFilter } from '../../admin/filter-params.js';
import { maskIdentity } from '../../admin/identity-mask.js';
import type { ReplayRunner } from '../../admin/replay-runner.js';
import type { SyncReplay } from '../../admin/sync-replay.js';
import type { SystemControl } from '../../admin/system-control.js';
import type { SystemId } from '../../domain/system-event.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { checkJsonDepth } from '../../security/json-depth.js';
import { toViolations, validator } from '../../schemas.js';

export interface AdminRouterDeps {
  config: GatewayConfig;
  systems: readonly SystemId[];
  query: DeliveryQuery;
  deliveries: DeliveryAdmin;
  replays: ReplayRunner;
  syncs: SyncReplay;
  control: SystemControl;
  audit: AuditLog;
}

function body<T>(req: Request, def: string): T {
  const validate = validator<T>(`admin.schema.json#/$defs/${def}`);
  const b: unknown = req.body ?? {};
  if (!validate(b))
    throw new GatewayError('GW_ERR_REQUEST_INVALID', { details: toViolations(validate.errors) });
  return b as T;
}

function intParam(req: Request, name: string, def: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new GatewayError('GW_ERR_REQUEST_INVALID', {
      details: [{ path: `/query/${name}`, message: `must be an integer from 1 to ${max}` }],
    });
  return n;
}

function strParam(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The administration API (`/admin/*`): every route needs an admin bearer token; viewers read,
 * operators also mutate, and every mutation is written to the audit log by the service it calls.
 * Identity data in payloads and errors is masked for viewers.
 */
export function adminRouter(d: AdminRouterDeps): Router {
  const r = express.Router();
  const viewer = requireRole(d.config, 'viewer');
  const operator = requireRole(d.config, 'operator');
  const json = express.json({
    limit: 1024 * 1024,
    strict: true,
    type: () => true,
    verify: (_req, _res, buf) => checkJsonDepth(buf),
  });
  const ctx = (req: Request, res: express.Response, reason: string) => ({
    actor: actorOf(res),
    reason,
    requestId: String(req.id),
  });
  const masks = (res: express.Response): boolean => actorOf(res).role !== 'operator';

  r.use('/admin', (req, res, next) => (req.path.startsWith('/queues') ? next() : viewer(req, res, next)));

  r.get('/admin/whoami', (_req, res) => {
    res.json(actorOf(res));
  });

  r.get('/admin/deliveries', async (req, res) => {
    const { filter, violations } = parseDeliveryFilter(req.query as Record<string, unknown>, {
      systems: d.systems,
      defaultStates: ['failed', 'dead'],
      base: '/query',
    });
    const cursorRaw = strParam(req, 'cursor');
    const cursor = cursorRaw ? decodeCursor(cursorRaw) : null;
    if (cursorRaw && !cursor)
      violations.push({ path: '/query/cursor', message: 'is not a cursor returned by this API' });
    if (violations.length > 0) throw new GatewayError('GW_ERR_REQUEST_INVALID', { details: violations });
    const page = await d.query.page(filter, cursor, intParam(req, 'limit', 50, 500));
    const items = masks(res) ? page.items.map((i) => maskIdentity(i) as DeliveryRow) : page.items;
    res.json({ items, nextCursor: page.nextCursor, filter });
  });

  r.get('/admin/deliveries/:id', async (req, res) => {
    res.json(await d.deliveries.detail(String(req.params.id), { mask: masks(res) }));
  });

  r.post('/admin/deliveries/:id/replay', operator, json, async (req, res) => {
    const b = body<{ reason: string }>(req, 'ReasonBody');
    const out = await d.deliveries.replay(String(req.params.id), ctx(req, res, b.reason), true);
    res.json({ id: String(req.params.id), ...out });
  });

  r.post('/admin/deliveries/:id/resolve', operator, json, async (req, res) => {
    const b = body<{ reason: string; externalId?: string }>(req, 'ResolveBody');
    const out = await d.deliveries.resolve(String(req.params.id), ctx(req, res, b.reason), b.externalId);
    res.json({ id: String(req.params.id), state: 'resolved', next: out.next });
  });

  r.post('/admin/replays', operator, json, async (req, res) => {
    const b = body<{
      filter?: Record<string, unknown>;
      dryRun?: boolean;
      reason?: string;
      ratePerSecond?: number;
    }>(req, 'BulkReplayBody');
    const { filter, violations } = parseDeliveryFilter(b.filter ?? {}, {
      systems: d.systems,
      defaultStates: ['failed', 'dead'],
      base: '/filter',
    });
    if (violations.length > 0) throw new GatewayError('GW_ERR_REQUEST_INVALID', { details: violations });
    if (b.dryRun) {
      res.json(await d.replays.dryRun(filter, { mask: masks(res) }));
      return;
    }
    const run = await d.replays.start(filter, ctx(req, res, b.reason ?? ''), b.ratePerSecond);
    res.status(202).location(`/admin/replays/${run.id}`).json(run);
  });

  r.get('/admin/replays/:id', async (req, res) => {
    res.json(await d.replays.get(String(req.params.id)));
  });

  r.get('/admin/syncs/failed', async (req, res) => {
    const M = strParam(req, 'MaHoSo');
    const items = await d.syncs.list({
      ...(M ? { MaHoSo: [M] } : {}),
      limit: intParam(req, 'limit', 100, 1000),
    });
    res.json({ items });
  });

  r.post('/admin/syncs/replay', operator, json, async (req, res) => {
    const b = body<{ MaHoSo?: string[]; dryRun?: boolean; reason?: string }>(req, 'SyncReplayBody');
    res.json(await d.syncs.replay(b.MaHoSo, ctx(req, res, b.reason ?? ''), b.dryRun === true));
  });

  r.get('/admin/systems', async (_req, res) => {
    res.json({ systems: await d.control.views() });
  });

  r.get('/admin/systems/:system', async (req, res) => {
    const s = String(req.params.system);
    if (!d.systems.includes(s as SystemId))
      throw new GatewayError('GW_ERR_SYSTEM_NOT_CONFIGURED', { details: { system: s } });
    res.json(await d.control.view(s as SystemId));
  });

  r.post('/admin/systems/:system/pause', operator, json, async (req, res) => {
    const b = body<{ reason: string }>(req, 'ReasonBody');
    res.json(await d.control.pause(String(req.params.system), ctx(req, res, b.reason)));
  });

  r.post('/admin/systems/:system/resume', operator, json, async (req, res) => {
    const b = body<{ reason: string }>(req, 'ReasonBody');
    res.json(await d.control.resume(String(req.params.system), ctx(req, res, b.reason)));
  });

  r.post('/admin/systems/:system/breaker', operator, json, async (req, res) => {
    const b = body<{ state: 'open' | 'closed' | 'auto'; reason: string }>(req, 'BreakerBody');
    res.json(await d.control.forceBreaker(String(req.params.system), b.state, ctx(req, res, b.reason)));
  });

  r.get('/admin/audit', async (req, res) => {
    const action = strParam(req, 'action');
    const M = strParam(req, 'MaHoSo');
    const actor = strParam(req, 'actor');
    const before = strParam(req, 'cursor');
    if (before && !/^\d+-\d+$/.test(before))
      throw new GatewayError('GW_ERR_REQUEST_INVALID', {
        details: [{ path: '/query/cursor', message: 'is not a cursor returned by this API' }],
      });
    res.json(
      await d.audit.list({
        limit: intParam(req, 'limit', 50, 500),
        ...(before ? { before } : {}),
        ...(action ? { action } : {}),
        ...(M ? { MaHoSo: M } : {}),
        ...(actor ? { actor } : {}),
      }),
    );
  });

  return r;
}
