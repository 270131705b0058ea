import type { Request, RequestHandler } from 'express';
import type { GatewayConfig } from '../config/config.js';
import { GatewayError } from '../errors/gateway-error.js';
import { safeEqual, sha256Hex } from '../security/constant-time.js';

export type AdminRole = 'viewer' | 'operator';

export interface AdminActor {
  name: string;
  role: AdminRole;
}

const RANK: Record<AdminRole, number> = { viewer: 1, operator: 2 };

/**
 * The token a request presents: `Authorization: Bearer <token>`, or HTTP Basic with the token as
 * the password (what a browser can send, for the queue UI at /admin/queues).
 */
function presentedToken(req: Request): string | null {
  const auth = req.get('Authorization') ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(auth);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i >= 0 ? decoded.slice(i + 1) : decoded;
  }
  return null;
}

/**
 * Who is calling, from `operators[]` in the config (each token stored only as its SHA-256).
 *
 * @remarks Every configured hash is compared, in constant time, whatever matched first, so the
 * time taken says nothing about which operator (if any) a token belongs to.
 */
export function identify(config: GatewayConfig, req: Request): AdminActor | null | undefined {
  const token = presentedToken(req);
  if (token === null || token === '') return undefined;
  const h = sha256Hex(token);
  let found: AdminActor | null = null;
  for (const o of config.operators) {
    if (safeEqual(h, o.tokenSha256) && !found) found = { name: o.name, role: o.role };
  }
  return found;
}

/**
 * Requires an admin token of at least `role` (operator ⊇ viewer): no token 401
 * GW_ERR_AUTH_MISSING, an unknown one 401 GW_ERR_AUTH_INVALID, a known one with too small a role
 * 403 GW_ERR_AUTH_FORBIDDEN. The caller is left in `res.locals.actor`.
 */
export function requireRole(
  config: GatewayConfig,
  role: AdminRole,
  opts: { basicRealm?: string } = {},
): RequestHandler {
  return (req, res, next) => {
    const actor = identify(config, req);
    if (!actor) {
      if (opts.basicRealm) res.set('WWW-Authenticate', `Basic realm="${opts.basicRealm}", charset="UTF-8"`);
      next(
        new GatewayError(actor === undefined ? 'GW_ERR_AUTH_MISSING' : 'GW_ERR_AUTH_INVALID', {
          message:
            actor === undefined ? 'An admin bearer token is required' : 'The admin token is not recognised',
        }),
      );
      return;
    }
    if (RANK[actor.role] < RANK[role]) {
      next(
        new GatewayError('GW_ERR_AUTH_FORBIDDEN', {
          message: `This action needs the ${role} role; ${actor.name} is a ${actor.role}`,
          details: { required: role, role: actor.role },
        }),
      );
      return;
    }
    res.locals.actor = actor;
    next();
  };
}

export function actorOf(res: { locals: Record<string, unknown> }): AdminActor {
  return res.locals.actor as AdminActor;
}
