import type { Redis } from 'ioredis';
import { nowIso } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';
import type { AdminActor } from './admin-auth.js';

/** Dossiers named in one entry beyond this many are counted, not listed. */
export const AUDIT_DOSSIERS_CAP = 10_000;

export interface AuditInput {
  actor: AdminActor | { name: string; role: 'system' };
  /** What was done: replay, replay-bulk, resolve, pause, resume, breaker, sync-replay… */
  action: string;
  /** What it was done to: a delivery id, a system, a replay run. */
  target: string;
  dossiers: readonly string[];
  reason: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  dossiers: string[];
  dossierCount: number;
  reason: string;
  details: Record<string, unknown>;
  requestId: string | null;
}

/**
 * The administrators' audit log: one Redis stream entry per mutating action (who, when, what, which
 * dossiers, the reason given).
 *
 * @remarks A stream because it is append-only by construction and its ids are time-ordered, which
 * gives the listing a stable cursor for free. The API offers no way to change or delete an entry;
 * only the retention pass trims entries older than `retention.auditDays` (XTRIM MINID).
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async append(e: AuditInput): Promise<string> {
    const unique = [...new Set(e.dossiers)];
    const id = await this.redis.xadd(
      this.keys.audit(),
      '*',
      'at',
      nowIso(),
      'actor',
      e.actor.name,
      'role',
      e.actor.role,
      'action',
      e.action,
      'target',
      e.target,
      'dossiers',
      JSON.stringify(unique.slice(0, AUDIT_DOSSIERS_CAP)),
      'dossierCount',
      String(unique.length),
      'reason',
      e.reason,
      'details',
      JSON.stringify(e.details ?? {}),
      'requestId',
      e.requestId ?? '',
    );
    return id ?? '';
  }

  /**
   * Newest first. `before` is the id of the last entry of the previous page (the cursor); filters
   * apply to the entries read, so a page may be shorter than `limit` while more remain.
   */
  async list(opts: {
    limit: number;
    before?: string;
    action?: string;
    MaHoSo?: string;
    actor?: string;
  }): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const items: AuditEntry[] = [];
    let end = opts.before ? `(${opts.before}` : '+';
    let scanned = 0;
    for (;;) {
      const batch = await this.redis.xrevrange(
        this.keys.audit(),
        end,
        '-',
        'COUNT',
        Math.max(opts.limit, 100),
      );
      if (batch.length === 0) return { items, nextCursor: null };
      for (const [id, fields] of batch) {
        scanned += 1;
        end = `(${id}`;
        const e = toEntry(id, fields);
        if (opts.action && e.action !== opts.action) continue;
        if (opts.actor && e.actor !== opts.actor) continue;
        if (opts.MaHoSo && !e.dossiers.includes(opts.MaHoSo) && e.target.split('~')[0] !== opts.MaHoSo)
          continue;
        items.push(e);
        if (items.length >= opts.limit) return { items, nextCursor: id };
      }
      if (scanned > 50_000) return { items, nextCursor: end.slice(1) };
    }
  }

  async trimOlderThan(ms: number): Promise<number> {
    return this.redis.xtrim(this.keys.audit(), 'MINID', '~', String(ms));
  }
}

function toEntry(id: string, flat: string[]): AuditEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  return {
    id,
    at: f.at ?? '',
    actor: f.actor ?? '',
    role: f.role ?? '',
    action: f.action ?? '',
    target: f.target ?? '',
    dossiers: JSON.parse(f.dossiers ?? '[]') as string[],
    dossierCount: Number(f.dossierCount ?? 0),
    reason: f.reason ?? '',
    details: JSON.parse(f.details ?? '{}') as Record<string, unknown>,
    requestId: f.requestId || null,
  };
}
