import type { Request, Response } from 'express';
import { answer, fail, withinRateLimit, type Outcome, type PortalContext } from './context.js';
import { parseJsonObject } from './json-body.js';
import { MSG } from './messages.js';
import { capNhatTienDo } from './service-tien-do.js';
import { dongBoHoSo } from './service-dong-bo.js';
import { traCuuHoSo } from './service-tra-cuu.js';
import type { PortalAccount } from './types.js';

const SERVICES = ['DongBoHoSoMC', 'CapNhatTienDoHoSoMC', 'TraCuuHoSo'];

/**
 * `POST /integration` (portal.md §5.3). Checks in the documented order: body ("2", `body: …`),
 * session ("-1"), envelope (`madonvi`, `service`, then the service's `isUpdating` / `data` /
 * `mahoso`), then the service's own checks. A request that fails any check changes nothing.
 *
 * @remarks The rate limit is charged to the session's account (requests without a known session
 * share one anonymous budget). A missing or non-string `session` is answered "-1", like an unknown one.
 */
export function integrationHandler(ctx: PortalContext) {
  return (req: Request, res: Response): void => {
    const parsed = parseJsonObject(req.body);
    const token = parsed.ok && typeof parsed.value.session === 'string' ? parsed.value.session : undefined;
    const session = token === undefined ? undefined : ctx.sessions.lookup(token);
    if (!withinRateLimit(ctx, session?.account ?? 'anonymous', res)) return;
    ctx.counters.requests += 1;
    if (!parsed.ok) return answer(ctx, res, fail('2', parsed.message));

    const account = session?.valid ? ctx.accounts.get(session.account) : undefined;
    if (!account || token === undefined) return rejectSession(ctx, res);
    if (ctx.sessionFaults.expireNext > 0) {
      ctx.sessionFaults.expireNext -= 1;
      ctx.sessions.revoke(token);
      return rejectSession(ctx, res);
    }
    answer(ctx, res, route(ctx, account, parsed.value));
  };
}

function rejectSession(ctx: PortalContext, res: Response): void {
  ctx.counters.sessionRejected += 1;
  answer(ctx, res, fail('-1', MSG.sessionInvalid));
}

function route(ctx: PortalContext, account: PortalAccount, body: Record<string, unknown>): Outcome {
  const { madonvi, service, isUpdating, data } = body;
  if (typeof madonvi !== 'string' || madonvi === '') return fail('2', MSG.unitRequired);
  if (!account.units.includes(madonvi)) return fail('2', MSG.unitForbidden(madonvi));
  if (typeof service !== 'string' || !SERVICES.includes(service)) return fail('2', MSG.serviceInvalid);
  ctx.counters.byService[service] = (ctx.counters.byService[service] ?? 0) + 1;

  switch (service) {
    case 'DongBoHoSoMC':
      if (isUpdating !== 'True' && isUpdating !== 'False') return fail('2', MSG.isUpdatingInvalid);
      if (!Array.isArray(data)) return fail('2', MSG.dataNotArray);
      if (data.length !== 1) return fail('2', MSG.dataOneRecord);
      return dongBoHoSo(ctx, account, madonvi, isUpdating, data);
    case 'CapNhatTienDoHoSoMC':
      if (!Array.isArray(data)) return fail('2', MSG.dataNotArray);
      if (data.length < 1 || data.length > 10) return fail('2', MSG.dataRows);
      return capNhatTienDo(ctx, account, data);
    default:
      return traCuuHoSo(ctx, account, body.mahoso);
  }
}
