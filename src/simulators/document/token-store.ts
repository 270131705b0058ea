import type { IdSource } from './ids.js';

/**
 * Access tokens of the axis' API manager (§2). Each `POST /token` issues a new opaque token; every
 * token stays valid until its own expiry (or `expireAll`), so a client holding an older token is
 * not disturbed by a newer one.
 */
export class TokenStore {
  private readonly tokens = new Map<string, { consumerKey: string; expiresAt: number }>();

  constructor(
    private readonly ids: IdSource,
    private lifetimeMs: number,
  ) {}

  issue(consumerKey: string, nowMs: number): { token: string; expiresIn: number } {
    for (const [token, t] of this.tokens) if (t.expiresAt <= nowMs) this.tokens.delete(token);
    const token = this.ids.uuid();
    this.tokens.set(token, { consumerKey, expiresAt: nowMs + this.lifetimeMs });
    return { token, expiresIn: Math.max(1, Math.ceil(this.lifetimeMs / 1000)) };
  }

  /** The consumer key a valid token belongs to; undefined when the token is unknown or expired. */
  verify(token: string, nowMs: number): string | undefined {
    const t = this.tokens.get(token);
    return t && t.expiresAt > nowMs ? t.consumerKey : undefined;
  }

  /** Makes every issued token invalid at once (as after a key rotation); returns how many were active. */
  expireAll(nowMs: number): number {
    let active = 0;
    for (const t of this.tokens.values()) if (t.expiresAt > nowMs) active += 1;
    this.tokens.clear();
    return active;
  }

  active(nowMs: number): number {
    let n = 0;
    for (const t of this.tokens.values()) if (t.expiresAt > nowMs) n += 1;
    return n;
  }

  setLifetime(ms: number): void {
    this.lifetimeMs = ms;
  }
}
