import type { Redis } from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import type { DossierRecord } from '../domain/dossier.js';
import type { SystemId } from '../domain/system-event.js';
import type { TimelineEntry } from '../domain/timeline.js';
import type { AttemptRecord, DeliveryState, DeliveryView } from '../domain/delivery.js';
import { deliveryId as makeDeliveryId } from '../domain/delivery.js';
import type { PlannedOperation } from '../adapters/adapter.js';
import type { TrangThaiHoSo } from '../domain/status-machine.js';
import type { TaxNotice } from '../domain/dossier-progress.js';
import { formatLocalIso, parsePortalDateTime } from '../domain/time.js';
import type { Keys } from './keys.js';
import { RELEASE_LOCK } from './lua-script.js';

export interface StoredDossier {
  MaHoSo: string;
  madonvi: string;
  record: DossierRecord;
  portalRecord: DossierRecord;
  status: TrangThaiHoSo;
  route: SystemId[];
  completion: SystemId[];
  taxNotices: Record<string, TaxNotice>;
  receivedAt: string;
  updatedAt: string;
  versions: number;
  portalKnown: boolean;
  externalIds: Partial<Record<SystemId, string>>;
  systemStatus: Partial<Record<SystemId, TrangThaiHoSo>>;
  systemLastEventAt: Partial<Record<SystemId, number>>;
  lastNguoiXuLy: string | undefined;
  facts: Record<string, string>;
  raw: Record<string, string>;
}

export interface IntakeVersion {
  MaHoSo: string;
  madonvi: string;
  digest: string;
  record: DossierRecord;
  /** The merged record the gateway will send back to the portal from now on. */
  merged: DossierRecord;
  status: TrangThaiHoSo;
  /** Systems taking part (with something to do), and those whose finish finishes the dossier. */
  route: SystemId[];
  completion: SystemId[];
  plans: Array<{ system: SystemId; op: PlannedOperation }>;
  isUpdating: boolean;
  /** The request id of the portal push that brought this version (kept as `intakeRequestId`). */
  requestId?: string;
}

export interface IntakeOutcome {
  duplicate: boolean;
  /** Deliveries created by this version. */
  created: string[];
  /** Chain heads to enqueue (idempotently). */
  heads: Array<{ system: SystemId; deliveryId: string }>;
}

export const TIMELINE_CAP = 500;

/** Statuses after which a dossier has no deadline any more (finished or ended). */
export const FINISHED: ReadonlySet<string> = new Set(['3', '7', '8', '9', '10']);

export const DELIVERY_STATES: readonly DeliveryState[] = [
  'queued',
  'delivering',
  'retrying',
  'delivered',
  'failed',
  'dead',
  'resolved',
];

/**
 * Adds to `multi` the index updates of a delivery entering `state`: it leaves every other state's
 * sorted set and enters this one, scored by now. Always in the same MULTI as the state itself.
 */
export function indexDeliveryState(
  multi: ChainableCommander,
  keys: Keys,
  deliveryId: string,
  state: DeliveryState,
): void {
  for (const s of DELIVERY_STATES) {
    if (s === state) multi.zadd(keys.deliveriesInState(s), Date.now(), deliveryId);
    else multi.zrem(keys.deliveriesInState(s), deliveryId);
  }
}
export const REJECTED_CAP = 20;
export const EVENT_TTL_SECONDS = 400 * 24 * 3600;

export function nowIso(): string {
  return formatLocalIso(new Date());
}

function parseJson<T>(s: string | undefined, fallback: T): T {
  if (s === undefined || s === '') return fallback;
  return JSON.parse(s) as T;
}

/**
 * The dossier's durable state in Redis: its record, its deliveries and their ledger, its timeline.
 *
 * @remarks Every multi-key change is one MULTI (or one Lua script), so a crash or a Redis outage
 * leaves either the whole change or none of it: the intake answers 2xx only after EXEC succeeded.
 */
export class DossierStore {
  constructor(
    readonly redis: Redis,
    readonly keys: Keys,
  ) {}

  timelineEntry(
    multi: ChainableCommander,
    maHoSo: string,
    entry: Omit<TimelineEntry, 'at'> & { at?: string },
  ): void {
    const k = this.keys.timeline(maHoSo);
    multi.rpush(k, JSON.stringify({ at: entry.at ?? nowIso(), ...entry }));
    multi.ltrim(k, -TIMELINE_CAP, -1);
  }

  async exists(maHoSo: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.dossier(maHoSo))) === 1;
  }

  async get(maHoSo: string): Promise<StoredDossier | null> {
    const h = await this.redis.hgetall(this.keys.dossier(maHoSo));
    if (!h.record) return null;
    return this.fromHash(maHoSo, h);
  }

  fromHash(maHoSo: string, h: Record<string, string>): StoredDossier {
    const externalIds: Partial<Record<SystemId, string>> = {};
    const systemStatus: Partial<Record<SystemId, TrangThaiHoSo>> = {};
    const systemLastEventAt: Partial<Record<SystemId, number>> = {};
    const facts: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) {
      if (k.startsWith('fact:')) facts[k.slice(5)] = v;
      if (k.startsWith('ext:')) externalIds[k.slice(4) as SystemId] = v;
      else if (k.startsWith('sys:') && k.endsWith(':status'))
        systemStatus[k.slice(4, -7) as SystemId] = v as TrangThaiHoSo;
      else if (k.startsWith('sys:') && k.endsWith(':lastEventAt'))
        systemLastEventAt[k.slice(4, -12) as SystemId] = Number(v);
    }
    // The two records are the largest fields (kilobytes of JSON each) and most readers need one
    // or neither: they are parsed on first use, once.
    let record: DossierRecord | undefined;
    let portalRecord: DossierRecord | undefined;
    let taxNotices: Record<string, TaxNotice> | undefined;
    return {
      MaHoSo: maHoSo,
      madonvi: h.madonvi ?? '',
      get record(): DossierRecord {
        return (record ??= parseJson<DossierRecord>(h.record, {} as DossierRecord));
      },
      get portalRecord(): DossierRecord {
        return (portalRecord ??= parseJson<DossierRecord>(h.portalRecord, {} as DossierRecord));
      },
      status: (h.status ?? '2') as TrangThaiHoSo,
      route: parseJson<SystemId[]>(h.route, []),
      completion: parseJson<SystemId[]>(h.completion, []),
      get taxNotices(): Record<string, TaxNotice> {
        return (taxNotices ??= parseJson<Record<string, TaxNotice>>(h.taxNotices, {}));
      },
      receivedAt: h.receivedAt ?? '',
      updatedAt: h.updatedAt ?? '',
      versions: Number(h.versions ?? 0),
      portalKnown: h.portalKnown === '1',
      externalIds,
      systemStatus,
      systemLastEventAt,
      lastNguoiXuLy: h.lastNguoiXuLy,
      facts,
      raw: h,
    };
  }

  async isDuplicate(maHoSo: string, digest: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.digests(maHoSo), digest)) === 1;
  }

  /**
   * Stores one accepted feed version and the deliveries it implies, atomically.
   *
   * @remarks A short per-dossier lock serialises a version with a concurrent redelivery of itself
   * (the portal may resend while the first request is still being answered): the second one then
   * sees the digest and answers "duplicate", so one version can never create operations twice.
   * The writes themselves are one MULTI.
   */
  async intake(v: IntakeVersion): Promise<IntakeOutcome> {
    const dKey = this.keys.dossier(v.MaHoSo);
    const planned = v.plans.map((p) => ({ ...p, id: makeDeliveryId(v.MaHoSo, p.system, p.op.intentKey) }));
    // Every read goes out with the lock's SET NX, in one round trip.
    const reads = (): Promise<[boolean, Array<string | null>, ...number[]]> =>
      Promise.all([
        this.isDuplicate(v.MaHoSo, v.digest),
        this.redis.hmget(dKey, 'record', 'seq', 'route'),
        ...planned.map((p) => this.redis.exists(this.keys.delivery(p.id, v.MaHoSo))),
      ]);
    return this.withLock(
      this.keys.intakeLock(v.MaHoSo),
      10_000,
      async (read) => {
        const [duplicate, existing, ...already] = read;
        if (duplicate) {
          return { duplicate: true, created: [], heads: await this.chainHeads(v.MaHoSo, v.route) };
        }
        const isNew = !existing[0];
        const existingRoute = parseJson<SystemId[]>(existing[2] ?? undefined, []);
        let seq = Number(existing[1] ?? 0);
        const fresh = planned.filter((_p, i) => already[i] === 0);
        const now = nowIso();
        const multi = this.redis.multi();
        const fields: Record<string, string> = {
          record: JSON.stringify(v.merged),
          portalRecord: JSON.stringify(v.record),
          madonvi: v.madonvi,
          status: v.status,
          route: JSON.stringify(v.route),
          completion: JSON.stringify(v.completion),
          updatedAt: now,
        };
        if (isNew) fields.receivedAt = now;
        // What later callbacks and portal syncs of the dossier name as the portal request behind them.
        if (v.requestId) fields.intakeRequestId = v.requestId;
        multi.hset(dKey, fields);
        multi.hincrby(dKey, 'versions', 1);
        multi.sadd(this.keys.digests(v.MaHoSo), v.digest);
        if (isNew) multi.zadd(this.keys.allDossiers(), Date.now(), v.MaHoSo);
        const received = v.merged.NgayTiepNhan ? parsePortalDateTime(v.merged.NgayTiepNhan) : null;
        if (received) multi.zadd(this.keys.receivedAt(), received.getTime(), v.MaHoSo);
        // Deadline tracking: the appointment date is when the dossier is next looked at.
        const due = v.merged.NgayHenTra ? parsePortalDateTime(v.merged.NgayHenTra) : null;
        if (due && !FINISHED.has(v.status)) multi.zadd(this.keys.deadlines(), due.getTime(), v.MaHoSo);
        else multi.zrem(this.keys.deadlines(), v.MaHoSo);
        for (const s of v.route)
          if (!existingRoute.includes(s)) multi.sadd(this.keys.openDossiers(s), v.MaHoSo);
        this.timelineEntry(multi, v.MaHoSo, {
          at: now,
          type: isNew ? 'received' : 'version',
          detail: isNew
            ? `dossier received (TrangThaiHoSo ${v.record.TrangThaiHoSo}), routed to ${v.route.join(', ')}`
            : `new version (isUpdating ${v.isUpdating ? 'True' : 'False'}, TrangThaiHoSo ${v.record.TrangThaiHoSo})`,
          data: {
            digest: v.digest.slice(0, 16),
            ...(v.requestId ? { requestId: v.requestId } : {}),
            operations: fresh.map((p) => `${p.system}:${p.op.operation}`),
          },
        });
        for (const p of fresh) {
          seq += 1;
          multi.hset(this.keys.delivery(p.id, v.MaHoSo), {
            id: p.id,
            MaHoSo: v.MaHoSo,
            system: p.system,
            operation: p.op.operation,
            intentKey: p.op.intentKey,
            params: JSON.stringify(p.op.params ?? {}),
            state: 'queued',
            attempts: '0',
            createdAt: now,
            updatedAt: now,
            seq: String(seq),
          });
          multi.zadd(this.keys.deliveries(v.MaHoSo), seq, p.id);
          // A new delivery is in no state index yet (retention removes ids from all of them).
          multi.zadd(this.keys.deliveriesInState('queued'), Date.now(), p.id);
          multi.rpush(this.keys.chain(v.MaHoSo, p.system), p.id);
          multi.sadd(this.keys.pendingChains(), `${v.MaHoSo}|${p.system}`);
        }
        multi.hset(dKey, 'seq', String(seq));
        // The chain heads after this version, read inside the same MULTI (no extra round trip).
        for (const s of v.route) multi.lindex(this.keys.chain(v.MaHoSo, s), 0);
        const res = await multi.exec();
        if (!res) throw new Error(`intake of ${v.MaHoSo}: the transaction was aborted`);
        for (const [err] of res) if (err) throw err;
        const heads: Array<{ system: SystemId; deliveryId: string }> = [];
        const tail = res.slice(res.length - v.route.length);
        v.route.forEach((system, i) => {
          const h = tail[i]?.[1];
          if (typeof h === 'string' && h) heads.push({ system, deliveryId: h });
        });
        return { duplicate: false, created: fresh.map((p) => p.id), heads };
      },
      reads,
    );
  }

  /**
   * Adds one operation to a dossier outside a portal version (e.g. an apology letter the deadline
   * scanner decides to send). Idempotent on the intent: a second call for the same intent creates
   * nothing. Returns the chain head to enqueue, if any.
   */
  async addDelivery(
    maHoSo: string,
    system: SystemId,
    op: PlannedOperation,
    note: string,
  ): Promise<{ created: boolean; head: string | null }> {
    return this.withLock(this.keys.intakeLock(maHoSo), 10_000, async () => {
      const id = makeDeliveryId(maHoSo, system, op.intentKey);
      const dKey = this.keys.delivery(id, maHoSo);
      if ((await this.redis.exists(dKey)) === 1) {
        return { created: false, head: await this.redis.lindex(this.keys.chain(maHoSo, system), 0) };
      }
      const now = nowIso();
      const seq = await this.redis.hincrby(this.keys.dossier(maHoSo), 'seq', 1);
      const multi = this.redis.multi();
      multi.hset(dKey, {
        id,
        MaHoSo: maHoSo,
        system,
        operation: op.operation,
        intentKey: op.intentKey,
        params: JSON.stringify(op.params ?? {}),
        state: 'queued',
        attempts: '0',
        createdAt: now,
        updatedAt: now,
        seq: String(seq),
      });
      multi.zadd(this.keys.deliveries(maHoSo), seq, id);
      indexDeliveryState(multi, this.keys, id, 'queued');
      multi.rpush(this.keys.chain(maHoSo, system), id);
      multi.sadd(this.keys.pendingChains(), `${maHoSo}|${system}`);
      this.timelineEntry(multi, maHoSo, {
        at: now,
        type: 'note',
        system,
        detail: note,
        data: { operation: op.operation },
      });
      await multi.exec();
      return { created: true, head: await this.redis.lindex(this.keys.chain(maHoSo, system), 0) };
    });
  }

  /**
   * Runs `fn` holding a Redis lock (SET NX PX with a random token, released only by its owner).
   * Waits up to `ttlMs` for the lock; the TTL frees it if the holder dies.
   *
   * @remarks `read` issues the reads `fn` starts from; they go out right behind the SET NX on the
   * same connection, which Redis runs in order, so when the lock is won they ran under it — one
   * round trip for both (when it is not won they are simply read again on the next try). The
   * release is sent without waiting for its answer: later commands on the connection run after
   * it, and a release lost to a Redis outage is undone by the TTL, as before.
   */
  async withLock<T, R = undefined>(
    key: string,
    ttlMs: number,
    fn: (read: R) => Promise<T>,
    read?: () => Promise<R>,
  ): Promise<T> {
    const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    const deadline = Date.now() + ttlMs;
    let pre: R;
    for (;;) {
      const [won, value] = await Promise.all([
        this.redis.set(key, token, 'PX', ttlMs, 'NX'),
        read ? read() : undefined,
      ]);
      if (won === 'OK') {
        pre = value as R;
        break;
      }
      if (Date.now() > deadline) throw new Error(`lock ${key} not acquired within ${ttlMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    try {
      return await fn(pre);
    } finally {
      void RELEASE_LOCK.run(this.redis, [key], [token]).catch(() => undefined);
    }
  }

  async chainHeads(
    maHoSo: string,
    systems: readonly SystemId[],
  ): Promise<Array<{ system: SystemId; deliveryId: string }>> {
    const heads = await Promise.all(systems.map((s) => this.redis.lindex(this.keys.chain(maHoSo, s), 0)));
    const out: Array<{ system: SystemId; deliveryId: string }> = [];
    systems.forEach((s, i) => {
      const h = heads[i];
      if (h) out.push({ system: s, deliveryId: h });
    });
    return out;
  }

  async recordRejected(
    maHoSo: string | undefined,
    entry: { digest: string; code: string; violations: unknown; body: unknown },
  ): Promise<void> {
    if (!maHoSo || !/^[A-Za-z0-9.-]{1,50}$/.test(maHoSo)) return;
    const k = this.keys.rejected(maHoSo);
    const multi = this.redis.multi();
    multi.lpush(k, JSON.stringify({ at: nowIso(), ...entry }));
    multi.ltrim(k, 0, REJECTED_CAP - 1);
    multi.expire(k, 90 * 24 * 3600);
    await multi.exec();
  }

  async rejectedVersions(maHoSo: string): Promise<unknown[]> {
    return (await this.redis.lrange(this.keys.rejected(maHoSo), 0, -1)).map((s) => JSON.parse(s) as unknown);
  }

  async timeline(maHoSo: string): Promise<TimelineEntry[]> {
    return (await this.redis.lrange(this.keys.timeline(maHoSo), 0, -1)).map(
      (s) => JSON.parse(s) as TimelineEntry,
    );
  }

  async deliveryIds(maHoSo: string): Promise<string[]> {
    return this.redis.zrange(this.keys.deliveries(maHoSo), 0, -1);
  }

  async delivery(
    maHoSo: string,
    id: string,
  ): Promise<
    | (DeliveryView & {
        params: Record<string, unknown>;
        inflightSince: string | null;
        inflightAnswered: string | null;
      })
    | null
  > {
    const h = await this.redis.hgetall(this.keys.delivery(id, maHoSo));
    if (!h.id) return null;
    return {
      id: h.id,
      MaHoSo: h.MaHoSo ?? maHoSo,
      system: h.system as SystemId,
      operation: h.operation ?? '',
      intentKey: h.intentKey ?? '',
      state: (h.state ?? 'queued') as DeliveryState,
      attempts: Number(h.attempts ?? 0),
      externalId: h.externalId || null,
      lastError: h.lastError ? (JSON.parse(h.lastError) as { code: string; message: string }) : null,
      createdAt: h.createdAt ?? '',
      updatedAt: h.updatedAt ?? '',
      params: parseJson<Record<string, unknown>>(h.params, {}),
      inflightSince: h.inflightSince || null,
      inflightAnswered: h.inflightAnswered || null,
    };
  }

  async deliveries(maHoSo: string): Promise<DeliveryView[]> {
    const ids = await this.deliveryIds(maHoSo);
    const all = await Promise.all(ids.map((id) => this.delivery(maHoSo, id)));
    return all
      .filter((d): d is NonNullable<typeof d> => d !== null)
      .map(({ params: _p, inflightSince: _i, ...rest }) => rest);
  }

  async attemptHistory(maHoSo: string, id: string): Promise<AttemptRecord[]> {
    return (await this.redis.lrange(this.keys.attempts(id, maHoSo), 0, -1)).map(
      (s) => JSON.parse(s) as AttemptRecord,
    );
  }
}
