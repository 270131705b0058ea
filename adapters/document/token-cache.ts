/** What the token endpoint answered (§2). */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

/**
 * The axis' Bearer token (§2: client credentials, valid `expires_in` seconds), shared by every call
 * of one adapter.
 *
 * @remarks Single-flight: however many calls need a token at once, one request goes to `/token` and
 * all of them wait for it. The token is renewed before it expires (a margin of at most
 * `refreshMarginMs`, and at most a tenth of its lifetime so that short-lived tokens stay usable),
 * counted from when the request was sent, so clock skew and transit time eat into the margin,
 * not into validity. A 401 from the API invalidates the token it was sent with, and only that one:
 * a call that raced with a renewal does not throw away the new token.
 */
export class TokenCache {
  private current: { value: string; renewAtMs: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<IssuedToken>,
    private readonly options: { refreshMarginMs: number; now: () => number },
  ) {}

  async get(): Promise<string> {
    const c = this.current;
    if (c && this.options.now() < c.renewAtMs) return c.value;
    this.pending ??= this.renew().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: string): void {
    if (this.current?.value === token) this.current = undefined;
  }

  private async renew(): Promise<string> {
    const sentAt = this.options.now();
    const issued = await this.fetchToken();
    const lifetimeMs = issued.expiresInSeconds * 1000;
    const margin = Math.min(this.options.refreshMarginMs, lifetimeMs / 10);
    this.current = { value: issued.accessToken, renewAtMs: sentAt + lifetimeMs - margin };
    return issued.accessToken;
  }
}
