/** What a token endpoint answered (OAuth2 client credentials). */
export interface IssuedToken {
  accessToken: string;
  /** Lifetime the server announced (`expires_in`), in seconds. */
  expiresInSeconds: number;
}

export interface OAuthTokenCacheOptions {
  /** Renew at most this long before the token expires, and at most a tenth of its lifetime. */
  refreshMarginMs: number;
  /** Clock (tests pin it). Default `Date.now`. */
  now?: () => number;
}

/**
 * The Bearer token of one client (client credentials), shared by every call of one adapter.
 *
 * @remarks Single flight: however many calls need a token at once, ONE request goes to the token
 * endpoint and all of them wait for it. The token is renewed before it expires, by `refreshMarginMs`
 * but never more than a tenth of its lifetime (so short-lived tokens stay usable), counted from when
 * the request was sent, so clock skew and transit time eat into the margin, not into validity. A
 * 401 invalidates the token it was sent with, and only that one: ten calls failing with the same
 * stale token cause one renewal, and a call that raced with a renewal does not drop the new token.
 */
export class OAuthTokenCache {
  private current: { value: string; renewAtMs: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly fetchToken: () => Promise<IssuedToken>,
    private readonly options: OAuthTokenCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A token valid for a while yet, requesting one if needed (shared with concurrent callers). */
  async get(): Promise<string> {
    const c = this.current;
    if (c && this.now() < c.renewAtMs) return c.value;
    this.pending ??= this.renew().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The system refused `token`: forget it, unless a newer one has replaced it already. */
  invalidate(token: string): void {
    if (this.current?.value === token) this.current = undefined;
  }

  private async renew(): Promise<string> {
    const sentAt = this.now();
    const issued = await this.fetchToken();
    const lifetimeMs = Math.max(0, issued.expiresInSeconds) * 1000;
    const margin = Math.min(this.options.refreshMarginMs, lifetimeMs / 10);
    this.current = { value: issued.accessToken, renewAtMs: sentAt + lifetimeMs - margin };
    return issued.accessToken;
  }
}
