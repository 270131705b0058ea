import type { Request, Response } from 'express';
import { answer, fail, withinRateLimit, type PortalContext } from './context.js';
import { parseJsonObject } from './json-body.js';
import { MSG } from './messages.js';

/**
 * `POST /auth/login` (portal.md §5.2). The account's budget is charged under the `username` sent.
 *
 * @remarks Ambiguity: the spec defines no answer for a login body that is not JSON; the portal
 * answers it like `/integration` does (`"2"`, `body: …`). A missing or non-string username or
 * password is simply wrong credentials (`"1"`).
 */
export function loginHandler(ctx: PortalContext) {
  return (req: Request, res: Response): void => {
    const parsed = parseJsonObject(req.body);
    const username = parsed.ok && typeof parsed.value.username === 'string' ? parsed.value.username : '';
    if (!withinRateLimit(ctx, username || 'anonymous', res)) return;
    if (!parsed.ok) return answer(ctx, res, fail('2', parsed.message));
    const account = ctx.accounts.get(username);
    if (!account || typeof parsed.value.password !== 'string' || parsed.value.password !== account.password) {
      ctx.counters.loginFailures += 1;
      return answer(ctx, res, fail('1', MSG.loginFailed));
    }
    ctx.counters.logins += 1;
    const { session, expiresIn } = ctx.sessions.issue(account.username);
    answer(ctx, res, { error_code: '0', message: MSG.loginOk, extra: { session, expires_in: expiresIn } });
  };
}
