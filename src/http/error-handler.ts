import type { ErrorRequestHandler, RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../logging/logger.js';

/** express/body-parser errors carry a `type`; map each to its registry code. */
function fromBodyParser(err: { type?: string; status?: number; message?: string }): GatewayError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new GatewayError('GW_ERR_REQUEST_MALFORMED_JSON', {
        message: `The body is not valid JSON: ${err.message ?? ''}`.trim(),
      });
    case 'entity.too.large':
      return new GatewayError('GW_ERR_REQUEST_TOO_LARGE');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new GatewayError('GW_ERR_REQUEST_UNSUPPORTED_MEDIA', { message: 'The body must be UTF-8' });
    default:
      return null;
  }
}

/**
 * Other errors express and its parsers raise for a request that cannot be read (a path with broken
 * percent-encoding, a body whose Content-Encoding does not decode) carry a 4xx `status`: they are
 * the client's, answered as such, never as an internal error.
 */
function fromClientStatus(err: unknown): GatewayError | null {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = e?.status ?? e?.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  if (status === 413) return new GatewayError('GW_ERR_REQUEST_TOO_LARGE');
  if (status === 415) return new GatewayError('GW_ERR_REQUEST_UNSUPPORTED_MEDIA');
  return new GatewayError('GW_ERR_REQUEST_MALFORMED');
}

export function isStoreUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string } | null;
  if (!e) return false;
  return (
    /Stream isn't writeable|enableOfflineQueue|Connection is closed|Command timed out|ECONNREFUSED|MaxRetriesPerRequest|Reached the max retries/i.test(
      e.message ?? '',
    ) || e.name === 'MaxRetriesPerRequestError'
  );
}

/**
 * The one central error handler: every error leaves as `{code, message, details}` with the status
 * of its registry entry. No stack trace or internal path is ever sent.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let g: GatewayError;
    if (err instanceof GatewayError) g = err;
    else if (isStoreUnavailable(err)) g = new GatewayError('GW_ERR_STORE_UNAVAILABLE');
    else
      g =
        fromBodyParser(err as { type?: string }) ??
        fromClientStatus(err) ??
        new GatewayError('GW_ERR_INTERNAL');
    if (g.status >= 500) log.error({ err, code: g.code, url: req.originalUrl }, 'request failed');
    else log.info({ code: g.code, url: req.originalUrl, details: g.details }, 'request refused');
    if (g.code === 'GW_ERR_STORE_UNAVAILABLE') res.set('Retry-After', '5');
    if (!res.headersSent) res.status(g.status).json(g.toBody());
  };
}

export const notFound: RequestHandler = (_req, _res, next) => next(new GatewayError('GW_ERR_NOT_FOUND'));
