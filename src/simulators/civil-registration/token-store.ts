/**
 * OAuth 2.0 client-credentials tokens (civil-registration.md §2): opaque, valid for a fixed time
 * from issue, several valid at once per client.
 */
export type TokenCheck =
  { ok: true; clientId: string } | { ok: false; reason: 'missing' | 'unknown' | 'expired' };

interface Token {
  clientId: string;
  expiresAt: number;
}

/** Expired tokens are forgotten after this long (they then answer "unknown" instead of "expired"). */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export class TokenStore {
  private readonly tokens = new Map<string, Token>();

  constructor(
    private readonly random: () => number,
    private readonly now: () => number,
  ) {}

  /** Issues a new token valid for `lifetimeMs`. */
  issue(clientId: string, lifetimeMs: number): string {
    const now = this.now();
    for (const [value, token] of this.tokens)
      if (token.expiresAt + FORGET_AFTER_MS < now) this.tokens.delete(value);
    const bytes = Buffer.alloc(32);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(this.random() * 256);
    const value = `hotich.${Buffer.from(clientId).toString('base64url')}.${bytes.toString('base64url')}`;
    this.tokens.set(value, { clientId, expiresAt: now + lifetimeMs });
    return value;
  }

  /** Checks an `Authorization` header value. */
  check(authorization: string | undefined): TokenCheck {
    const m = /^Bearer ([^\s]+)$/i.exec(authorization ?? '');
    if (!m?.[1]) return { ok: false, reason: 'missing' };
    const token = this.tokens.get(m[1]);
    if (!token) return { ok: false, reason: 'unknown' };
    if (this.now() >= token.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, clientId: token.clientId };
  }

  /** Every current token becomes expired. Returns how many were valid. */
  expireAll(): number {
    const now = this.now();
    let count = 0;
    for (const token of this.tokens.values()) {
      if (token.expiresAt > now) count += 1;
      token.expiresAt = Math.min(token.expiresAt, now);
    }
    return count;
  }

  /** Tokens valid now. */
  activeCount(): number {
    const now = this.now();
    let count = 0;
    for (const token of this.tokens.values()) if (token.expiresAt > now) count += 1;
    return count;
  }

  clear(): void {
    this.tokens.clear();
  }
}
