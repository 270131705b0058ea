import { performance } from 'node:perf_hooks';

/**
 * "10 requests per second per client_id, all /api/hotich/* endpoints together" (civil-registration.md §1):
 * a sliding one-second window of accepted requests, on the monotonic clock (not the simulated wall
 * clock, so a frozen test clock does not turn every request into a 429).
 */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

const WINDOW_MS = 1000;

export class RateLimiter {
  private readonly accepted = new Map<string, number[]>();

  constructor(private readonly limit: () => number) {}

  take(clientId: string): RateDecision {
    const limit = this.limit();
    if (!(limit > 0) || !Number.isFinite(limit)) return { ok: true };
    const now = performance.now();
    const times = (this.accepted.get(clientId) ?? []).filter((t) => t > now - WINDOW_MS);
    this.accepted.set(clientId, times);
    if (times.length >= limit) {
      const oldest = times[0] ?? now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)) };
    }
    times.push(now);
    return { ok: true };
  }

  clear(): void {
    this.accepted.clear();
  }
}
