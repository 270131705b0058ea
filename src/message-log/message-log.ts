import type { Redis } from 'ioredis';
import { ConfigError, type GatewayConfig } from '../config/config.js';
import { formatLocalIso } from '../domain/time.js';
import type { Logger } from '../logging/logger.js';
import {
  entryDigest,
  GENESIS,
  headOf,
  verifyChain,
  type ChainVerdict,
  type LogEntry,
  type Party,
} from './chain.js';
import { withoutCredentials, type Exchange, type ExchangeRecorder, type RecordOptions } from './exchange.js';
import { MessageCipher, parseLogKey, sha256Text, type SealedBody } from './message-cipher.js';
import { LuaScript } from '../store/lua-script.js';

const DAY_MS = 24 * 3600 * 1000;
/** Appends waiting in one process beyond which new messages are not logged (Redis unreachable). */
const MAX_QUEUED = 10_000;

/**
 * Appends one entry if the chain's head is still the one the entry was built on (compare-and-set,
 * so two processes appending to one dossier never fork the chain), and the sealed body beside it.
 * With a dedupe key, an answer identical to the last one logged for the same read is skipped (2).
 */
/**
 * Appends one entry if the chain's head is still the one the entry was made against; on a head that
 * moved (another process appended) returns `{0, current head}` so the caller can redo the entry
 * without a read of its own. Also stamps the dossier in the log's index (KEYS[5]).
 */
const APPEND = new LuaScript(
  'messageLogAppend',
  `
if ARGV[6] ~= '' and redis.call('GET', KEYS[4]) == ARGV[6] then return 2 end
local cur = redis.call('GET', KEYS[2]) or ''
if cur ~= ARGV[1] then return {0, cur} end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4], 'EX', tonumber(ARGV[5])) end
if ARGV[6] ~= '' then redis.call('SET', KEYS[4], ARGV[6], 'EX', tonumber(ARGV[7])) end
redis.call('ZADD', KEYS[5], ARGV[8], ARGV[9])
return 1
`,
);

/** Heads this process wrote last, so the next append of the dossier usually needs no read first. */
const HEAD_CACHE_SIZE = 10_000;

export type BodyPolicy = 'encrypted' | 'none';

export interface MessageLogSettings {
  enabled: boolean;
  cipher: MessageCipher | null;
  bodies: Record<Party, BodyPolicy>;
  retentionDays: number;
  bodyRetentionDays: number;
  maxBodyBytes: number;
}

const PARTIES: readonly Party[] = [
  'portal',
  'land',
  'civil-registration',
  'tax',
  'social-insurance',
  'document',
];

/**
 * `messageLog` of the configuration, checked beyond what the schema can say: the key's length, and
 * that a party whose bodies are to be kept sealed has a key to seal them with.
 */
export function messageLogSettings(config: GatewayConfig): MessageLogSettings {
  const m = config.messageLog;
  const problems: string[] = [];
  let cipher: MessageCipher | null = null;
  if (m.key !== undefined) {
    const key = parseLogKey(m.key);
    if (key) cipher = new MessageCipher(key);
    else problems.push('messageLog.key: must be 32 bytes, as 64 hex digits or base64');
  }
  const fallback: BodyPolicy = m.bodies.default ?? (m.key !== undefined ? 'encrypted' : 'none');
  const bodies = Object.fromEntries(PARTIES.map((p) => [p, m.bodies[p] ?? fallback])) as Record<
    Party,
    BodyPolicy
  >;
  if (m.key === undefined) {
    for (const [p, v] of Object.entries(m.bodies))
      if (v === 'encrypted') problems.push(`messageLog.bodies.${p}: "encrypted" needs messageLog.key`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    enabled: m.enabled,
    cipher,
    bodies,
    retentionDays: m.retentionDays,
    bodyRetentionDays: m.bodyRetentionDays,
    maxBodyBytes: m.maxBodyBytes,
  };
}

/** An entry as the admin API shows it: the fields, and the bodies when they may be shown. */
export interface LogEntryView extends LogEntry {
  body?: string | null;
  reply?: string | null;
  /** Why no body is shown: `not-kept`, `expired`, `withheld` (viewer), `unreadable`. */
  bodyNote?: string;
}

export interface ChainReport extends ChainVerdict {
  MaHoSo: string;
  /** Sealed bodies that no longer open or no longer match their digest (checked with the key). */
  bodyProblems: Array<{ seq: number; reason: string }>;
}

interface SealedPair {
  body: string | null;
  reply: string | null;
}

/**
 * The per-dossier, hash-chained log of every message exchanged with the portal and the systems.
 *
 * @remarks One Redis list per dossier (`<prefix>:ml:{MaHoSo}`) holds the entries in order; a head
 * key beside it holds the last entry's number and digest, so entries removed at the end are seen
 * too. Entries carry digests only; bodies (credentials cut out) are sealed with AES-256-GCM under
 * keys of their own with an expiry (`bodyRetentionDays`), or not kept, per party. Expired bodies do
 * not break the chain, which covers their digests, not their ciphertext. Retention removes whole
 * chains only (newest entry older than `retentionDays`), so every chain left still verifies.
 */
export class MessageLog implements ExchangeRecorder {
  /** Per dossier, the last append queued in this process (appends of one dossier run in order). */
  private readonly tails = new Map<string, Promise<void>>();
  private queued = 0;
  /** Per dossier, the head this process last wrote or saw (a hint: a wrong one costs a retry). */
  private readonly heads = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly settings: MessageLogSettings,
    private readonly log: Logger,
  ) {}

  private listKey(M: string): string {
    return `${this.prefix}:ml:{${M}}`;
  }
  private headKey(M: string): string {
    return `${this.listKey(M)}:head`;
  }
  private bodyKey(M: string, seq: number): string {
    return `${this.listKey(M)}:body:${seq}`;
  }
  private lastReplyKey(M: string, party: Party, operation: string): string {
    return `${this.listKey(M)}:last:${party}:${operation.replace(/\s+/g, '_')}`;
  }
  /** Sorted set: every dossier with a chain, by the time of its newest entry. */
  indexKey(): string {
    return `${this.prefix}:idx:ml`;
  }

  /**
   * Queues the exchange for the log of each dossier and returns at once: the call it records is
   * never held up by the log. Appends of one dossier stay in the order they were recorded (one
   * queue per dossier in this process); `flush` waits for them (tests, a graceful stop).
   */
  record(exchange: Exchange, dossiers: readonly string[], opts: RecordOptions = {}): Promise<void> {
    if (!this.settings.enabled) return Promise.resolve();
    for (const M of dossiers) {
      if (this.queued >= MAX_QUEUED) {
        // Redis has not been answering for a while: memory is not spent on an unbounded backlog.
        this.log.warn({ MaHoSo: M, party: exchange.party }, 'message log backlog full: message not logged');
        continue;
      }
      this.queued += 1;
      const next = (this.tails.get(M) ?? Promise.resolve())
        .then(() => this.append(M, exchange, opts))
        .then(
          () => undefined,
          (err: unknown) =>
            this.log.warn({ err, MaHoSo: M, party: exchange.party }, 'message log append failed'),
        );
      this.tails.set(M, next);
      void next.finally(() => {
        this.queued -= 1;
        if (this.tails.get(M) === next) this.tails.delete(M);
      });
    }
    return Promise.resolve();
  }

  /** Resolves when every append queued so far has been written (or has failed and been logged). */
  async flush(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  /** Appends one exchange to a dossier's chain; returns its sequence number (0 when skipped as a repeat). */
  async append(M: string, ex: Exchange, opts: RecordOptions = {}): Promise<number> {
    const s = this.settings;
    const body = ex.body === null ? null : withoutCredentials(ex.body);
    const reply = ex.reply === null ? null : withoutCredentials(ex.reply);
    const bodyDigest = body === null ? null : sha256Text(body);
    const replyDigest = reply === null ? null : sha256Text(reply);
    const size = Buffer.byteLength(body ?? '') + Buffer.byteLength(reply ?? '');
    const keep =
      s.cipher !== null &&
      opts.keepBody !== false &&
      s.bodies[ex.party] === 'encrypted' &&
      (body !== null || reply !== null) &&
      size <= s.maxBodyBytes;
    const dedupe = opts.dedupeValue ?? (opts.dedupeReply ? `${ex.status ?? '-'}:${replyDigest ?? '-'}` : '');
    let head: string | null | undefined = this.heads.get(M);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      if (head === undefined) head = await this.redis.get(this.headKey(M));
      const seq = head ? Number(head.split(':')[0]) + 1 : 1;
      const unsigned: Omit<LogEntry, 'hash'> = {
        v: 1,
        seq,
        at: formatLocalIso(new Date(ex.startedAt)),
        MaHoSo: M,
        direction: ex.direction,
        party: ex.party,
        operation: ex.operation.slice(0, 80),
        purpose: ex.purpose.slice(0, 80),
        status: ex.status,
        outcome: ex.outcome,
        code: ex.code,
        durationMs: ex.durationMs,
        bodyDigest,
        replyDigest,
        bodyKept: keep,
        prev: head ? head.slice(head.indexOf(':') + 1) : GENESIS,
      };
      const entry: LogEntry = { ...unsigned, hash: entryDigest(unsigned, s.cipher) };
      const sealed =
        keep && s.cipher
          ? JSON.stringify(s.cipher.seal(JSON.stringify({ body, reply } satisfies SealedPair), `${M}|${seq}`))
          : '';
      const res = await APPEND.run(
        this.redis,
        [
          this.listKey(M),
          this.headKey(M),
          this.bodyKey(M, seq),
          this.lastReplyKey(M, ex.party, ex.operation),
          this.indexKey(),
        ],
        [
          head ?? '',
          JSON.stringify(entry),
          headOf(entry),
          sealed,
          String(s.bodyRetentionDays * 24 * 3600),
          dedupe,
          String(s.retentionDays * 24 * 3600),
          String(Date.now()),
          M,
        ],
      );
      if (res === 2) return 0;
      if (res === 1) {
        this.rememberHead(M, headOf(entry));
        return seq;
      }
      // The head moved under us (another process appended, or the hint was stale): redo the entry
      // against the head the script saw.
      const current = Array.isArray(res) ? String(res[1] ?? '') : undefined;
      head = current === undefined ? undefined : current === '' ? null : current;
    }
    this.heads.delete(M);
    throw new Error(`message log of ${M}: the chain kept moving; entry not appended`);
  }

  private rememberHead(M: string, head: string): void {
    this.heads.delete(M); // re-inserted at the end: the Map's order is the eviction order
    this.heads.set(M, head);
    if (this.heads.size > HEAD_CACHE_SIZE) this.heads.delete(this.heads.keys().next().value!);
  }

  async entries(M: string): Promise<LogEntry[]> {
    return (await this.redis.lrange(this.listKey(M), 0, -1)).map((s) => JSON.parse(s) as LogEntry);
  }

  /**
   * One dossier's log with the chain's verdict. Bodies are opened only when `withBodies` (an
   * operator): otherwise each entry says its body is withheld.
   */
  async read(M: string, withBodies: boolean): Promise<{ entries: LogEntryView[]; chain: ChainReport }> {
    const chain = await this.verify(M);
    const raw = await this.redis.lrange(this.listKey(M), 0, -1);
    const entries: LogEntryView[] = [];
    for (const line of raw) {
      let e: LogEntry;
      try {
        e = JSON.parse(line) as LogEntry;
      } catch {
        continue;
      }
      const view: LogEntryView = { ...e };
      if (!e.bodyKept) view.bodyNote = 'not-kept';
      else if (!withBodies) view.bodyNote = 'withheld';
      else {
        const pair = await this.openBody(M, e);
        if (typeof pair === 'string') view.bodyNote = pair;
        else {
          view.body = pair.body;
          view.reply = pair.reply;
        }
      }
      entries.push(view);
    }
    return { entries, chain };
  }

  private async openBody(M: string, e: LogEntry): Promise<SealedPair | 'expired' | 'unreadable'> {
    const cipher = this.settings.cipher;
    const raw = await this.redis.get(this.bodyKey(M, e.seq));
    if (!raw) return 'expired';
    if (!cipher) return 'unreadable';
    try {
      return JSON.parse(cipher.open(JSON.parse(raw) as SealedBody, `${M}|${e.seq}`)) as SealedPair;
    } catch {
      return 'unreadable';
    }
  }

  /** Checks one chain, and with the key every body still kept against its entry's digests. */
  async verify(M: string): Promise<ChainReport> {
    const [raw, head] = await Promise.all([
      this.redis.lrange(this.listKey(M), 0, -1),
      this.redis.get(this.headKey(M)),
    ]);
    const verdict = verifyChain(raw, head, this.settings.cipher);
    const bodyProblems: ChainReport['bodyProblems'] = [];
    if (this.settings.cipher) {
      for (const line of raw) {
        let e: LogEntry;
        try {
          e = JSON.parse(line) as LogEntry;
        } catch {
          continue;
        }
        if (!e.bodyKept) continue;
        const pair = await this.openBody(M, e);
        if (pair === 'expired') continue;
        if (pair === 'unreadable') bodyProblems.push({ seq: e.seq, reason: 'the sealed body does not open' });
        else if (
          (pair.body === null ? null : sha256Text(pair.body)) !== e.bodyDigest ||
          (pair.reply === null ? null : sha256Text(pair.reply)) !== e.replyDigest
        )
          bodyProblems.push({ seq: e.seq, reason: 'the body does not match the digest in its entry' });
      }
    }
    return { MaHoSo: M, ...verdict, ok: verdict.ok && bodyProblems.length === 0, bodyProblems };
  }

  /**
   * One chain, as `verify`, and a chain gone altogether while the index still dates it within
   * retention counts as broken (the retention pass removes a chain first, then its index entry).
   */
  async verifyDossier(M: string, now = Date.now()): Promise<ChainReport> {
    const r = await this.verify(M);
    if (r.entries > 0 || !r.ok) return r;
    const score = await this.redis.zscore(this.indexKey(), M);
    if (score === null || Number(score) < now - this.settings.retentionDays * DAY_MS) return r;
    return { ...r, ok: false, broken: { seq: 1, index: 0, reason: 'the whole chain is missing' } };
  }

  /**
   * Every chain of the index. A chain missing altogether is a broken link too, unless it is past
   * retention (the retention pass removes the chain first, then its index entry).
   */
  async verifyAll(now = Date.now()): Promise<{ chains: number; ok: boolean; broken: ChainReport[] }> {
    const cutoff = now - this.settings.retentionDays * DAY_MS;
    const broken: ChainReport[] = [];
    let chains = 0;
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(this.indexKey(), cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const M = flat[i]!;
        if (Number(flat[i + 1]) < cutoff && (await this.redis.exists(this.headKey(M))) === 0) continue;
        const r = await this.verifyDossier(M, now);
        chains += 1;
        if (!r.ok) broken.push(r);
      }
    } while (cursor !== '0');
    return { chains, ok: broken.length === 0, broken };
  }

  /** Removes whole chains whose newest entry is older than `retentionDays`. Returns the dossiers. */
  async purgeExpired(now = Date.now()): Promise<string[]> {
    const cutoff = now - this.settings.retentionDays * DAY_MS;
    const purged: string[] = [];
    for (;;) {
      const batch = await this.redis.zrangebyscore(this.indexKey(), '-inf', String(cutoff), 'LIMIT', 0, 200);
      if (batch.length === 0) return purged;
      for (const M of batch) {
        const before = await this.redis.zscore(this.indexKey(), M);
        if (before === null || Number(before) > cutoff) continue;
        const head = await this.redis.get(this.headKey(M));
        const last = head ? Number(head.split(':')[0]) : await this.redis.llen(this.listKey(M));
        const keys = [this.listKey(M), this.headKey(M)];
        for (let seq = 1; seq <= last; seq += 1) keys.push(this.bodyKey(M, seq));
        for (let i = 0; i < keys.length; i += 500) await this.redis.del(...keys.slice(i, i + 500));
        await this.redis.zrem(this.indexKey(), M);
        purged.push(M);
      }
    }
  }
}
