import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SystemId } from '../domain/system-event.js';
import { nowIso } from '../store/dossier-store.js';
import type { Classification, Drift, FindingKind } from './drift.js';

export type FindingState = 'open' | 'repaired' | 'resolved';

/** A drift as kept and listed: found by one run, seen again by later ones, repaired or resolved once. */
export interface Finding {
  id: string;
  MaHoSo: string;
  agency: string;
  party: SystemId | 'portal';
  kind: FindingKind;
  classification: Classification;
  state: FindingState;
  summary: string;
  evidence: Record<string, unknown>;
  detectedAt: string;
  detectedBy: string;
  lastSeenAt: string;
  lastSeenBy: string;
  seen: number;
  repair: { at: string; runId: string; how: string } | null;
  resolution: { at: string; by: string; reason: string; requestId: string | null } | null;
}

/** A finding's id: the same drift (dossier, kind, party, what differs) found again is the same finding. */
export function findingId(M: string, d: Pick<Drift, 'kind' | 'party' | 'key'>): string {
  return createHash('sha256')
    .update(JSON.stringify([M, d.kind, d.party, d.key]))
    .digest('hex')
    .slice(0, 20);
}

/**
 * Resolves an open finding by hand, atomically: only `open` moves to `resolved` ('ok'); the state
 * it is in otherwise is returned so the caller can say why not.
 */
const RESOLVE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'open' then return state end
redis.call('HSET', KEYS[1], 'state', 'resolved', 'resolution', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 'ok'
`;

/**
 * The findings in Redis: one hash each (`<prefix>:recon:finding:<id>`), a sorted set of all of them
 * by detection time and one of those still open.
 *
 * @remarks Detection, repair and resolution write different fields, so a run seeing a finding
 * again never undoes a resolution made meanwhile, and a repair is claimed once (HSETNX): the same
 * finding found by any number of runs is repaired at most once.
 */
export class FindingStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:recon:finding:${id}`;
  }
  private all(): string {
    return `${this.prefix}:recon:findings`;
  }
  private open(): string {
    return `${this.prefix}:recon:findings:open`;
  }

  /** Records a drift seen by a run: new (open), or seen again. Returns the finding as it now is. */
  async observe(
    M: string,
    agency: string,
    d: Drift,
    runId: string,
  ): Promise<{ finding: Finding; isNew: boolean }> {
    const id = findingId(M, d);
    const k = this.key(id);
    const now = nowIso();
    const created = await this.redis.hsetnx(k, 'state', 'open');
    if (created === 1) {
      await this.redis
        .multi()
        .hset(k, {
          id,
          MaHoSo: M,
          agency,
          party: d.party,
          kind: d.kind,
          classification: d.classification,
          summary: d.summary,
          evidence: JSON.stringify(d.evidence),
          detectedAt: now,
          detectedBy: runId,
        })
        .zadd(this.all(), Date.now(), id)
        .zadd(this.open(), Date.now(), id)
        .exec();
    }
    await this.redis.multi().hset(k, { lastSeenAt: now, lastSeenBy: runId }).hincrby(k, 'seen', 1).exec();
    return { finding: (await this.get(id))!, isNew: created === 1 };
  }

  /** Claims the one repair of a finding; false when it was claimed before (by this run or another). */
  async claimRepair(id: string, runId: string, how: string): Promise<boolean> {
    const claimed = await this.redis.hsetnx(
      this.key(id),
      'repair',
      JSON.stringify({ at: nowIso(), runId, how }),
    );
    if (claimed === 1) {
      await this.redis.multi().hset(this.key(id), 'state', 'repaired').zrem(this.open(), id).exec();
    }
    return claimed === 1;
  }

  /** Gives a claim back when the repair could not be handed over (so a later run may try once). */
  async releaseRepair(id: string): Promise<void> {
    await this.redis
      .multi()
      .hdel(this.key(id), 'repair')
      .hset(this.key(id), 'state', 'open')
      .zadd(this.open(), Date.now(), id)
      .exec();
  }

  /**
   * A repaired drift seen again once its repair had time to land: the repair did not hold, so a
   * person looks at it (it is never repaired a second time).
   */
  async escalate(id: string, note: string): Promise<void> {
    const f = await this.get(id);
    if (!f || f.state !== 'repaired') return;
    await this.redis
      .multi()
      .hset(this.key(id), {
        state: 'open',
        classification: 'needs-person',
        summary: `${f.summary} — still there after its repair (${note})`,
      })
      .zadd(this.open(), Date.now(), id)
      .exec();
  }

  async resolve(
    id: string,
    by: string,
    reason: string,
    requestId: string | null,
  ): Promise<'ok' | 'missing' | FindingState> {
    return (await this.redis.eval(
      RESOLVE,
      2,
      this.key(id),
      this.open(),
      JSON.stringify({ at: nowIso(), by, reason, requestId }),
      id,
    )) as 'ok' | 'missing' | FindingState;
  }

  async get(id: string): Promise<Finding | null> {
    const h = await this.redis.hgetall(this.key(id));
    if (!h.id) return null;
    return {
      id: h.id,
      MaHoSo: h.MaHoSo ?? '',
      agency: h.agency ?? '',
      party: (h.party ?? 'portal') as Finding['party'],
      kind: h.kind as FindingKind,
      classification: (h.classification ?? 'needs-person') as Classification,
      state: (h.state ?? 'open') as FindingState,
      summary: h.summary ?? '',
      evidence: JSON.parse(h.evidence ?? '{}') as Record<string, unknown>,
      detectedAt: h.detectedAt ?? '',
      detectedBy: h.detectedBy ?? '',
      lastSeenAt: h.lastSeenAt ?? '',
      lastSeenBy: h.lastSeenBy ?? '',
      seen: Number(h.seen ?? 0),
      repair: h.repair ? (JSON.parse(h.repair) as Finding['repair']) : null,
      resolution: h.resolution ? (JSON.parse(h.resolution) as Finding['resolution']) : null,
    };
  }

  /**
   * Newest first. `state` open reads the open index; other filters apply to what is read, so a page
   * may be shorter than `limit` while more remain. The cursor is the last item's (score, id).
   */
  async list(opts: {
    state?: FindingState | 'all';
    party?: string;
    kind?: string;
    MaHoSo?: string;
    limit: number;
    cursor?: string;
  }): Promise<{ items: Finding[]; nextCursor: string | null }> {
    const index = opts.state === 'open' ? this.open() : this.all();
    const items: Finding[] = [];
    const [cScore, cId] = opts.cursor ? opts.cursor.split('|') : [undefined, undefined];
    let max = cScore ?? '+inf';
    let afterId = cId;
    for (let scanned = 0; scanned < 20_000;) {
      const batch = await this.redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', 0, 200);
      let progressed = false;
      for (let i = 0; i + 1 < batch.length; i += 2) {
        const id = batch[i]!;
        const score = batch[i + 1]!;
        // Equal scores come in descending id order: skip up to and including the cursor's id.
        if (score === max && afterId !== undefined && id >= afterId) continue;
        progressed = true;
        scanned += 1;
        max = score;
        afterId = id;
        const f = await this.get(id);
        if (!f) continue;
        if (opts.state && opts.state !== 'all' && f.state !== opts.state) continue;
        if (opts.party && f.party !== opts.party) continue;
        if (opts.kind && f.kind !== opts.kind) continue;
        if (opts.MaHoSo && f.MaHoSo !== opts.MaHoSo) continue;
        items.push(f);
        if (items.length >= opts.limit) return { items, nextCursor: `${score}|${id}` };
      }
      if (!progressed) return { items, nextCursor: null };
    }
    return { items, nextCursor: afterId !== undefined ? `${max}|${afterId}` : null };
  }
}
