/**
 * The OAuth2 access token of the civil registration client (civil-registration.md §2).
 *
 * @remarks Tokens live 300 s. One is cached and renewed shortly before it expires; a 401
 * `invalid_token` (expired early, revoked, server restarted) invalidates it. However many
 * deliveries and polls need a token at the same moment, only ONE token request is in flight: the
 * others wait on the same promise (single flight). `invalidate` only drops the token it is told
 * about, so ten requests failing with the same stale token cause one renewal, not ten.
 */
export interface IssuedToken {
  accessToken: string;
  /** Lifetime the server announced (`expires_in`), in seconds. */
  expiresInSeconds: number;
}

interface Cached {
  accessToken: string;
  renewAt: number;
}

/** Renew this share of the lifetime early, but never more than 30 s early. */
const EARLY_SHARE = 0.1;
const MAX_EARLY_MS = 30_000;

export class TokenCache {
  private cached: Cached | undefined;
  private inflight: Promise<Cached> | undefined;

  constructor(
    private readonly issue: () => Promise<IssuedToken>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for a while yet, requesting one if needed (shared with concurrent callers). */
  async get(): Promise<string> {
    const c = this.cached;
    if (c && this.now() < c.renewAt) return c.accessToken;
    if (!this.inflight) {
      this.inflight = this.issue()
        .then((t) => {
          const lifetimeMs = Math.max(0, t.expiresInSeconds) * 1000;
          const cached = {
            accessToken: t.accessToken,
            renewAt: this.now() + lifetimeMs - Math.min(MAX_EARLY_MS, lifetimeMs * EARLY_SHARE),
          };
          this.cached = cached;
          return cached;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return (await this.inflight).accessToken;
  }

  /** The system refused `accessToken`: forget it, unless a newer one has replaced it already. */
  invalidate(accessToken: string): void {
    if (this.cached?.accessToken === accessToken) this.cached = undefined;
  }
}
