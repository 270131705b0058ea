import type { Redis } from 'ioredis';
import type { DeliveryState } from '../domain/delivery.js';
import { parseDeliveryId } from '../domain/delivery.js';
import type { SystemId } from '../domain/system-event.js';
import { formatLocalIso } from '../domain/time.js';
import { DELIVERY_STATES } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';

export interface DeliveryFilter {
  states: DeliveryState[];
  system?: SystemId;
  operation?: string;
  MaHoSo?: string;
  /** Error code of the last error (GW_ERR_…). */
  code?: string;
  /** Entered its state at or after / at or before (ms since epoch). */
  fromMs?: number;
  toMs?: number;
}

/** A position in the listing: entries after (score, id), in ascending order of both. */
export interface ListPosition {
  score: number;
  id: string;
}

export interface DeliveryRow {
  id: string;
  MaHoSo: string;
  system: SystemId;
  operation: string;
  state: DeliveryState;
  /** When it entered its current state. */
  since: string;
  attempts: number;
  externalId: string | null;
  lastError: { code: string; message: string } | null;
  updatedAt: string;
}

export function encodeCursor(p: ListPosition): string {
  return Buffer.from(JSON.stringify([p.score, p.id]), 'utf8').toString('base64url');
}

export function decodeCursor(s: string): ListPosition | null {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string')
      return { score: v[0], id: v[1] };
  } catch {
    /* not a cursor of ours */
  }
  return null;
}

function after(a: ListPosition, b: ListPosition): boolean {
  return a.score > b.score || (a.score === b.score && a.id > b.id);
}

const FETCH = 200;

/** One state's sorted set read in (score, id) order from a position, a page at a time. */
class StateCursor {
  private buf: ListPosition[] = [];
  private offset = 0;
  private done = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly state: DeliveryState,
    private readonly min: number,
    private readonly max: number,
    private readonly start: ListPosition | null,
  ) {}

  async peek(): Promise<ListPosition | null> {
    while (this.buf.length === 0 && !this.done) {
      const raw = await this.redis.zrange(
        this.key,
        String(this.min),
        String(this.max),
        'BYSCORE',
        'LIMIT',
        this.offset,
        FETCH,
        'WITHSCORES',
      );
      const n = raw.length / 2;
      this.offset += n;
      if (n < FETCH) this.done = true;
      for (let i = 0; i < raw.length; i += 2) {
        const p = { id: raw[i]!, score: Number(raw[i + 1]) };
        if (!this.start || after(p, this.start)) this.buf.push(p);
      }
    }
    return this.buf[0] ?? null;
  }

  shift(): void {
    this.buf.shift();
  }
}

/**
 * The administrators' view of the delivery ledger: filtered listings over the per-state indices
 * (`idx:dl:<state>`, scored by when each delivery entered its state).
 *
 * @remarks Listings run in ascending (time, id) order and the cursor is the last (time, id)
 * returned, not an offset, so it stays right while deliveries enter and leave states between
 * pages: nothing is shown twice and nothing that stayed put is skipped. Filters that the id
 * carries (dossier, system) cost nothing; operation and error code need the delivery hash, read
 * in batches.
 */
export class DeliveryQuery {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Every matching delivery after `start`, in order, until `stop` returns true or `budget` is spent. */
  async scan(
    filter: DeliveryFilter,
    start: ListPosition | null,
    visit: (row: DeliveryRow, pos: ListPosition) => boolean | Promise<boolean>,
    budget = 20_000,
  ): Promise<{ exhausted: boolean; last: ListPosition | null }> {
    const states = filter.states.length > 0 ? filter.states : [...DELIVERY_STATES];
    const min = Math.max(filter.fromMs ?? 0, start?.score ?? 0);
    const max = filter.toMs ?? Number.MAX_SAFE_INTEGER;
    let ids: Set<string> | null = null;
    if (filter.MaHoSo) ids = new Set(await this.redis.zrange(this.keys.deliveries(filter.MaHoSo), 0, -1));
    const cursors = states.map(
      (s) => new StateCursor(this.redis, this.keys.deliveriesInState(s), s, min, max, start),
    );
    let last: ListPosition | null = null;
    let examined = 0;
    for (;;) {
      const batch: Array<{ pos: ListPosition; state: DeliveryState }> = [];
      while (batch.length < 100) {
        let best: StateCursor | null = null;
        let bestPos: ListPosition | null = null;
        for (const c of cursors) {
          const p = await c.peek();
          if (p && (!bestPos || after(bestPos, p))) {
            best = c;
            bestPos = p;
          }
        }
        if (!best || !bestPos) break;
        best.shift();
        batch.push({ pos: bestPos, state: best.state });
      }
      if (batch.length === 0) return { exhausted: true, last };
      const cheap = batch.filter(({ pos }) => {
        const p = parseDeliveryId(pos.id);
        if (!p) return false;
        if (ids && !ids.has(pos.id)) return false;
        if (filter.MaHoSo && p.MaHoSo !== filter.MaHoSo) return false;
        if (filter.system && p.system !== filter.system) return false;
        return true;
      });
      const hashes = await Promise.all(
        cheap.map(({ pos }) =>
          this.redis.hmget(
            this.keys.delivery(pos.id, parseDeliveryId(pos.id)!.MaHoSo),
            'operation',
            'attempts',
            'externalId',
            'lastError',
            'updatedAt',
            'state',
          ),
        ),
      );
      const rows = new Map<string, DeliveryRow>();
      cheap.forEach(({ pos, state }, i) => {
        const [operation, attempts, externalId, lastError, updatedAt, actual] = hashes[i]!;
        if (operation === null || operation === undefined || actual !== state) return;
        const err = lastError ? (JSON.parse(lastError) as { code: string; message: string }) : null;
        if (filter.operation && operation !== filter.operation) return;
        if (filter.code && err?.code !== filter.code) return;
        const p = parseDeliveryId(pos.id)!;
        rows.set(pos.id, {
          id: pos.id,
          MaHoSo: p.MaHoSo,
          system: p.system,
          operation,
          state,
          since: formatLocalIso(new Date(pos.score)),
          attempts: Number(attempts ?? 0),
          externalId: externalId || null,
          lastError: err,
          updatedAt: updatedAt ?? '',
        });
      });
      for (const { pos } of batch) {
        last = pos;
        examined += 1;
        const row = rows.get(pos.id);
        if (row && (await visit(row, pos))) return { exhausted: false, last };
        if (examined >= budget) return { exhausted: false, last };
      }
    }
  }

  /** One page of the listing and the cursor to the next (null when there is none). */
  async page(
    filter: DeliveryFilter,
    cursor: ListPosition | null,
    limit: number,
  ): Promise<{ items: DeliveryRow[]; nextCursor: string | null }> {
    const items: DeliveryRow[] = [];
    const { exhausted, last } = await this.scan(filter, cursor, (row) => {
      items.push(row);
      return items.length >= limit;
    });
    return { items, nextCursor: exhausted || !last ? null : encodeCursor(last) };
  }

  /** Every matching delivery id (bounded by `max`), e.g. for a bulk replay. */
  async collect(filter: DeliveryFilter, max: number): Promise<DeliveryRow[]> {
    const out: DeliveryRow[] = [];
    await this.scan(
      filter,
      null,
      (row) => {
        out.push(row);
        return out.length >= max;
      },
      Number.MAX_SAFE_INTEGER,
    );
    return out;
  }
}
