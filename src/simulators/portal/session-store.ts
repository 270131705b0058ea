/**
 * Sessions of the status-receiving API (portal.md §5.2): opaque tokens, several valid at once per
 * account, each valid for a fixed lifetime unless invalidated earlier (the "server restart" case
 * that yields `error_code` "-1"). Expiry is evaluated lazily: no timers.
 */
interface Session {
  account: string;
  expiresAt: number;
  revoked: boolean;
}

export interface SessionLookup {
  account: string;
  valid: boolean;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  issued = 0;

  constructor(
    private readonly random: () => number,
    public ttlMs: number,
  ) {}

  /** A new session for `account`; `expiresIn` is the lifetime in whole seconds (at least 1). */
  issue(account: string, now = Date.now()): { session: string; expiresIn: number } {
    let token = '';
    do {
      token = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16)).join('');
    } while (this.sessions.has(token));
    this.sessions.set(token, { account, expiresAt: now + this.ttlMs, revoked: false });
    this.issued += 1;
    return { session: token, expiresIn: Math.max(1, Math.ceil(this.ttlMs / 1000)) };
  }

  /** Who a token belongs to and whether it is still valid; undefined for a token never issued. */
  lookup(token: string, now = Date.now()): SessionLookup | undefined {
    const s = this.sessions.get(token);
    if (!s) return undefined;
    return { account: s.account, valid: !s.revoked && now < s.expiresAt };
  }

  revoke(token: string): void {
    const s = this.sessions.get(token);
    if (s) s.revoked = true;
  }

  /** Invalidates every session (as after a server restart); returns how many were valid. */
  expireAll(now = Date.now()): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      if (!s.revoked && now < s.expiresAt) n += 1;
      s.revoked = true;
    }
    return n;
  }

  validCount(now = Date.now()): number {
    let n = 0;
    for (const s of this.sessions.values()) if (!s.revoked && now < s.expiresAt) n += 1;
    return n;
  }

  clear(): void {
    this.sessions.clear();
    this.issued = 0;
  }
}
