/**
 * Per-account request budget of portal.md §5.1: at most `limit` requests in any sliding window of
 * one second (`/auth/login` and `/integration` together). Requests answered 429 do not consume the
 * budget. A limit of 0 disables the check.
 */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(
    public limit: number,
    private readonly windowMs = 1000,
  ) {}

  /** Records one request of `account`; returns the `Retry-After` seconds when it is over the limit. */
  take(account: string, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (this.limit <= 0) return { ok: true };
    const log = (this.windows.get(account) ?? []).filter((t) => t > now - this.windowMs);
    if (log.length >= this.limit) {
      this.windows.set(account, log);
      const oldest = log[0] ?? now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    log.push(now);
    this.windows.set(account, log);
    return { ok: true };
  }

  clear(): void {
    this.windows.clear();
  }
}
