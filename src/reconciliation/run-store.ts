import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { nowIso } from '../store/dossier-store.js';

/** Figures of one party (a system or the portal) or one agency in a run. */
export interface Tally {
  /** Dossiers whose copy at this party (or, per agency, whose copies) were read. */
  checked: number;
  /** …and agreed with the gateway. */
  agreed: number;
  /** Findings repaired by this run. */
  repaired: number;
  /** Findings seen by this run that wait for a person. */
  open: number;
  /** Dossiers the party could not be asked about: it offers no read (tax, document) or the read failed. */
  unread: number;
}

export function emptyTally(): Tally {
  return { checked: 0, agreed: 0, repaired: 0, open: 0, unread: 0 };
}

export interface ReconciliationRun {
  id: string;
  trigger: 'schedule' | 'admin';
  by: string;
  reason: string;
  /** The dossiers asked for (on demand); null: every open and recently closed one. */
  MaHoSo: string[] | null;
  state: 'queued' | 'running' | 'finished' | 'failed';
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** Dossiers compared. */
  checked: number;
  /** Dossiers left for later: a sync or delivery in progress, or changed too recently. */
  skipped: number;
  /** Dossiers where every copy agreed. */
  agreed: number;
  findings: number;
  newFindings: number;
  repaired: number;
  open: number;
  bySystem: Record<string, Tally>;
  byAgency: Record<string, Tally>;
  /** Systems that cannot be read back, and why (they are skipped, never guessed). */
  notReadBack: Record<string, string>;
}

/** Runs in Redis: one hash each, a sorted set by the time they were asked for. */
export class RunStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:recon:run:${id}`;
  }
  private index(): string {
    return `${this.prefix}:recon:runs`;
  }

  async create(
    o: Pick<ReconciliationRun, 'trigger' | 'by' | 'reason' | 'MaHoSo'>,
  ): Promise<ReconciliationRun> {
    const run: ReconciliationRun = {
      id: `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`,
      ...o,
      state: 'queued',
      queuedAt: nowIso(),
      startedAt: null,
      finishedAt: null,
      error: null,
      checked: 0,
      skipped: 0,
      agreed: 0,
      findings: 0,
      newFindings: 0,
      repaired: 0,
      open: 0,
      bySystem: {},
      byAgency: {},
      notReadBack: {},
    };
    await this.save(run);
    await this.redis.zadd(this.index(), Date.now(), run.id);
    return run;
  }

  async save(run: ReconciliationRun): Promise<void> {
    await this.redis.set(this.key(run.id), JSON.stringify(run));
  }

  async get(id: string): Promise<ReconciliationRun | null> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as ReconciliationRun) : null;
  }

  async list(limit: number): Promise<ReconciliationRun[]> {
    const ids = await this.redis.zrevrange(this.index(), 0, limit - 1);
    const runs = await Promise.all(ids.map((id) => this.get(id)));
    return runs.filter((r): r is ReconciliationRun => r !== null);
  }

  /** The run that finished last (what the report shows by default), among the 50 asked for last. */
  async latestFinished(): Promise<ReconciliationRun | null> {
    let best: ReconciliationRun | null = null;
    for (const r of await this.list(50))
      if (r.state === 'finished' && (!best || (r.finishedAt ?? '') > (best.finishedAt ?? ''))) best = r;
    return best;
  }
}
