import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The ids that tie what the gateway sends to what caused it.
 *
 * @remarks `requestId` is the request that caused this piece of work (the portal's feed push for a
 * delivery, a system's callback for a portal sync); `intakeRequestId` is the request id of the
 * portal push that last changed the dossier (kept on the dossier), so a portal sync caused by a
 * callback can still be traced back to the portal's own request.
 */
export interface Correlation {
  requestId?: string | undefined;
  intakeRequestId?: string | undefined;
}

const storage = new AsyncLocalStorage<Correlation>();

/**
 * Runs `fn` with `c` as the current correlation, so that transports deep below (adapters, the
 * portal) can put it on their requests without every signature in between carrying it.
 */
export function withCorrelation<T>(c: Correlation, fn: () => T): T {
  return storage.run(c, fn);
}

export function currentCorrelation(): Correlation | undefined {
  return storage.getStore();
}

/** What a request id may look like on the wire: the same rule the HTTP intake applies to one it is given. */
const SAFE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The headers that carry the current correlation to a system: `X-Request-Id` (the request that
 * caused this call) and `X-Correlation-Id` (the portal push the dossier came with, or the request
 * id when that is not known). Empty outside a correlated piece of work.
 */
export function correlationHeaders(
  c: Correlation | undefined = currentCorrelation(),
): Record<string, string> {
  const out: Record<string, string> = {};
  const request = c?.requestId && SAFE_ID.test(c.requestId) ? c.requestId : undefined;
  const intake = c?.intakeRequestId && SAFE_ID.test(c.intakeRequestId) ? c.intakeRequestId : undefined;
  if (request) out['X-Request-Id'] = request;
  if (intake ?? request) out['X-Correlation-Id'] = (intake ?? request)!;
  return out;
}
