import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** How sure the gateway is about what the other side did with a request that failed. */
export type Outcome = 'not-applied' | 'unknown';

export interface GatewayErrorOptions {
  message?: string;
  details?: unknown;
  cause?: unknown;
  /** Overrides the registry's default (e.g. a 5xx that is known not to have applied anything). */
  retryable?: boolean;
  /** 'unknown' after a timeout, reset or 5xx on a non-idempotent call: a lookup must run before a resend. */
  outcome?: Outcome;
  /** Seconds the other side asked us to wait (429 Retry-After). */
  retryAfterSeconds?: number;
  /** HTTP status received from the other side, if any. */
  upstreamStatus?: number;
}

/**
 * The gateway's one error type. Adapters normalise every upstream failure into it (GUIDE.md §2),
 * so the worker decides retry or not from `retryable` and `outcome`, never from message text.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly outcome: Outcome;
  readonly details: unknown;
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamStatus: number | undefined;

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}) {
    const def = ERROR_CODES[code];
    super(options.message ?? def.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = def.status;
    this.retryable = options.retryable ?? def.retryable;
    this.outcome = options.outcome ?? 'not-applied';
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.upstreamStatus = options.upstreamStatus;
  }

  /** The body every error response carries: `{code, message, details}`. */
  toBody(): { code: ErrorCode; message: string; details: unknown } {
    return { code: this.code, message: this.message, details: this.details ?? null };
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
