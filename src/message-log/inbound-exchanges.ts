import express, { type Request, type Router } from 'express';
import type { Party } from './chain.js';
import { bodyText, dossiersNamedIn, resultCode, type Exchange, type ExchangeRecorder } from './exchange.js';

/** Which party calls the gateway on a path: the portal's feed, or a system's callbacks. */
function partyOf(path: string): Party | null {
  if (path === '/v1/portal/feed') return 'portal';
  const m = /^\/callbacks\/(land|tax|social-insurance)(?:\/|$)/.exec(path);
  return m ? (m[1] as Party) : null;
}

function operationOf(req: Request, party: Party): string {
  if (party === 'portal') return 'DongBoHoSoMC';
  const action = req.get('SOAPAction');
  if (action) return action.replace(/"/g, '').split(/[/#]/).pop() || action;
  if (party === 'social-insurance') return 'CapNhatTrangThaiHoSo';
  // The land securityCode is a path segment: only the last one (the operation) is kept.
  return req.path.split('/').filter(Boolean).pop() ?? '';
}

/**
 * Records every message the portal and the systems send the gateway (feed pushes, callbacks) in
 * the log of each dossier it names, with the answer given. Runs before the routes and reads what
 * they parsed when the answer is finished, so no route changes.
 *
 * @remarks Calls refused for their credentials (401, 403) are not logged: they were not exchanged
 * with the portal or a system. Nor are messages about dossiers the gateway does not know (a
 * refused first version, a callback for an unknown code): anyone could otherwise grow the log.
 */
export function inboundExchangeRecorder(deps: {
  recorder: ExchangeRecorder;
  knows: (MaHoSo: string) => Promise<boolean>;
  onError: (err: unknown) => void;
}): Router {
  const r = express.Router();
  r.use((req, res, next) => {
    const party = req.method === 'POST' ? partyOf(req.path) : null;
    if (!party) {
      next();
      return;
    }
    const startedAt = Date.now();
    let reply: unknown;
    const end = res.end.bind(res) as (...a: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      if (typeof args[0] === 'string' || Buffer.isBuffer(args[0])) reply = args[0];
      return end(...args);
    }) as typeof res.end;
    res.on('finish', () => {
      if (res.statusCode === 401 || res.statusCode === 403) return;
      const raw = (req as Request & { rawBody?: Buffer }).rawBody ?? req.body;
      const body = bodyText(raw);
      const replyText = bodyText(reply);
      const exchange: Exchange = {
        direction: 'in',
        party,
        operation: operationOf(req, party),
        purpose: party === 'portal' ? 'feed' : 'callback',
        startedAt,
        durationMs: Date.now() - startedAt,
        status: res.statusCode,
        outcome: res.statusCode < 300 ? 'ok' : 'error',
        code: resultCode(replyText),
        body,
        reply: replyText,
      };
      void (async () => {
        const named = dossiersNamedIn(body);
        const known = (await Promise.all(named.map((M) => deps.knows(M)))).map((k, i) =>
          k ? named[i]! : '',
        );
        const dossiers = known.filter(Boolean);
        if (dossiers.length > 0) await deps.recorder.record(exchange, dossiers);
      })().catch(deps.onError);
    });
    next();
  });
  return r;
}
