import type { Response } from 'express';
import type { FaultInjector } from '../fault-injector.js';
import type { DossierStore } from './dossier-store.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RecordValidator } from './record-validator.js';
import type { SessionStore } from './session-store.js';
import type { PortalAccount, PortalCounters, SessionFaults } from './types.js';

/** Everything the request handlers share. */
export interface PortalContext {
  store: DossierStore;
  validator: RecordValidator;
  sessions: SessionStore;
  limiter: RateLimiter;
  faults: FaultInjector;
  sessionFaults: SessionFaults;
  counters: PortalCounters;
  accounts: Map<string, PortalAccount>;
}

/** The application answer of one request (HTTP 200, portal.md §5.8). */
export interface Outcome {
  error_code: string;
  message: string;
  /** Extra fields of the answer (`result`, `session`, `expires_in`). */
  extra?: Record<string, unknown>;
  /** True when the request changed state: the after-commit faults may then take the answer. */
  committed?: boolean;
}

export const fail = (error_code: string, message: string): Outcome => ({ error_code, message });

export function newCounters(): PortalCounters {
  return {
    logins: 0,
    loginFailures: 0,
    requests: 0,
    byService: {},
    byErrorCode: {},
    rateLimited: 0,
    sessionRejected: 0,
    created: 0,
    replaced: 0,
    alreadyExists: 0,
    progressRows: 0,
    lookups: 0,
    fileDownloads: 0,
  };
}

/**
 * Applies the account budget of §5.1. Returns false (and answers 429 with `Retry-After`) when the
 * account is over it.
 */
export function withinRateLimit(ctx: PortalContext, account: string, res: Response): boolean {
  const r = ctx.limiter.take(account);
  if (r.ok) return true;
  ctx.counters.rateLimited += 1;
  res
    .status(429)
    .set('Retry-After', String(r.retryAfterSeconds))
    .json({ message: 'Vượt quá giới hạn số yêu cầu, thử lại sau' });
  return false;
}

/** Sends an outcome, unless an after-commit fault takes the answer of a committed change. */
export function answer(ctx: PortalContext, res: Response, o: Outcome): void {
  if (o.committed && ctx.faults.afterCommit(res)) return;
  ctx.counters.byErrorCode[o.error_code] = (ctx.counters.byErrorCode[o.error_code] ?? 0) + 1;
  res.status(200).json({ error_code: o.error_code, message: o.message, ...o.extra });
}
