import { isAxiosError } from 'axios';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * Normalises an HTTP failure of any adapter into a GatewayError (GUIDE.md §2), in one place.
 *
 * @remarks The distinction that matters most is *outcome*: a refused connection never reached the
 * system (`not-applied`, safe to resend), while a timeout, a reset after sending, or a 5xx may
 * have been applied (`unknown`), so a non-idempotent operation must be looked up before a resend.
 */
export function normaliseHttpError(
  err: unknown,
  options: { system: string; operation: string; rejectedMessage?: (body: unknown) => string | undefined },
): GatewayError {
  if (err instanceof GatewayError) return err;
  const what = `${options.system} ${options.operation}`;
  if (!isAxiosError(err)) {
    return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
      message: `${what}: ${(err as Error)?.message ?? String(err)}`,
      outcome: 'unknown',
      cause: err,
    });
  }
  const res = err.response;
  if (!res) {
    const code = err.code ?? '';
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
        message: `${what}: connection refused (${code})`,
        outcome: 'not-applied',
      });
    }
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(err.message)) {
      return new GatewayError('GW_ERR_SYSTEM_TIMEOUT', {
        message: `${what}: no answer in time; outcome unknown`,
        outcome: 'unknown',
      });
    }
    return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
      message: `${what}: connection lost (${code || err.message}); outcome unknown`,
      outcome: 'unknown',
    });
  }
  const status = res.status;
  if (status === 429) {
    const ra = Number(res.headers['retry-after']);
    return new GatewayError('GW_ERR_SYSTEM_RATE_LIMITED', {
      message: `${what}: rate limited (429)`,
      retryAfterSeconds: Number.isFinite(ra) && ra >= 0 ? ra : 1,
      upstreamStatus: 429,
    });
  }
  if (status >= 500) {
    return new GatewayError('GW_ERR_SYSTEM_UNAVAILABLE', {
      message: `${what}: HTTP ${status}; outcome unknown`,
      outcome: 'unknown',
      upstreamStatus: status,
    });
  }
  if (status === 401 || status === 403) {
    return new GatewayError('GW_ERR_SYSTEM_AUTH', {
      message: `${what}: HTTP ${status}, credentials refused`,
      upstreamStatus: status,
    });
  }
  const detail = options.rejectedMessage?.(res.data);
  return new GatewayError('GW_ERR_SYSTEM_REJECTED', {
    message: `${what}: HTTP ${status}${detail ? `: ${detail}` : ''}`,
    upstreamStatus: status,
    details: { upstreamStatus: status, upstreamMessage: detail ?? null },
  });
}
