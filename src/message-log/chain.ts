import type { MessageCipher } from './message-cipher.js';
import { sha256Text } from './message-cipher.js';

/** The `prev` of a chain's first entry. */
export const GENESIS = '0'.repeat(64);

/** Who the message was exchanged with: the portal or one of the systems. */
export type Party = 'portal' | 'land' | 'civil-registration' | 'tax' | 'social-insurance' | 'document';

/**
 * One message exchanged about a dossier, as kept in its log. Nothing here is citizen identity
 * data: the bodies themselves are sealed apart (see MessageLog), only their digests are chained.
 */
export interface LogEntry {
  v: 1;
  seq: number;
  /** When the exchange started (local time, ISO 8601 with offset). */
  at: string;
  MaHoSo: string;
  /** `out`: the gateway called the party; `in`: the party called the gateway. */
  direction: 'out' | 'in';
  party: Party;
  /** The party's operation (tiepnhan, LayKetQua, DongBoHoSoMC, ChuyenHoSo…). */
  operation: string;
  /** Why the gateway made the call (deliver tiepnhan, lookup, poll, reconciliation, sync…). */
  purpose: string;
  /** HTTP status of the answer; null when none came. */
  status: number | null;
  outcome: 'ok' | 'error' | 'timeout' | 'no-answer';
  /** The party's own result code when its answer carries one (portal error_code, land status.code). */
  code: string | null;
  durationMs: number;
  /** SHA-256 of the request body (credentials cut out), hex; null when there was none. */
  bodyDigest: string | null;
  replyDigest: string | null;
  /** Whether the bodies were kept (sealed) for this entry. */
  bodyKept: boolean;
  /** The digest of the previous entry (GENESIS for the first). */
  prev: string;
  /** The digest of this entry: HMAC-SHA256 with the log key (SHA-256 without one) over the fields above. */
  hash: string;
}

export type UnsignedEntry = Omit<LogEntry, 'hash'>;

const FIELDS = [
  'v',
  'seq',
  'at',
  'MaHoSo',
  'direction',
  'party',
  'operation',
  'purpose',
  'status',
  'outcome',
  'code',
  'durationMs',
  'bodyDigest',
  'replyDigest',
  'bodyKept',
  'prev',
] as const;
const ALLOWED = new Set<string>([...FIELDS, 'hash']);

/** The text an entry's digest is taken over: its fields in a fixed order, whatever order JSON gave. */
function canonical(e: Partial<Record<string, unknown>>): string {
  return JSON.stringify(FIELDS.map((k) => e[k] ?? null));
}

export function entryDigest(e: UnsignedEntry | LogEntry, cipher: MessageCipher | null): string {
  const text = canonical(e as unknown as Record<string, unknown>);
  return cipher ? cipher.mac(text) : sha256Text(text);
}

/** The head kept beside a chain: the last entry's sequence number and digest. */
export function headOf(e: Pick<LogEntry, 'seq' | 'hash'>): string {
  return `${e.seq}:${e.hash}`;
}

export interface BrokenLink {
  /** The sequence number the first broken link should have had. */
  seq: number;
  /** Position in the stored list (0-based), or the list's length for a problem at its end. */
  index: number;
  reason: string;
}

export interface ChainVerdict {
  ok: boolean;
  entries: number;
  /** The first broken link; absent when the chain holds. */
  broken?: BrokenLink;
}

/**
 * Checks one dossier's chain: every entry readable, numbered 1, 2, 3… without a gap, carrying the
 * digest of the one before it and a digest of its own that matches its fields, and the last one
 * matching the head kept beside the list. Stops at the first broken link.
 *
 * @remarks A changed entry fails its own digest; a removed entry leaves a gap in the numbering (and
 * a `prev` that matches nothing); entries removed at the end no longer match the head.
 */
export function verifyChain(
  raw: readonly string[],
  head: string | null,
  cipher: MessageCipher | null,
): ChainVerdict {
  let prev = GENESIS;
  let last: LogEntry | null = null;
  for (let i = 0; i < raw.length; i += 1) {
    const expected = i + 1;
    let e: LogEntry;
    try {
      e = JSON.parse(raw[i]!) as LogEntry;
    } catch {
      return broken(raw.length, expected, i, 'the entry is not readable');
    }
    if (typeof e !== 'object' || e === null || Object.keys(e).some((k) => !ALLOWED.has(k)))
      return broken(raw.length, expected, i, 'the entry has fields an entry never has');
    if (e.seq !== expected) {
      return broken(
        raw.length,
        expected,
        i,
        typeof e.seq === 'number' && e.seq > expected
          ? `entries ${expected}..${e.seq - 1} are missing`
          : `the entry is numbered ${String(e.seq)} where ${expected} was expected`,
      );
    }
    if (e.prev !== prev)
      return broken(raw.length, expected, i, 'the entry does not carry the digest of the entry before it');
    if (entryDigest(e, cipher) !== e.hash)
      return broken(raw.length, expected, i, 'the entry was changed after it was written');
    prev = e.hash;
    last = e;
  }
  const want = last ? headOf(last) : null;
  if (head !== want) {
    const headSeq = head ? Number(head.split(':')[0]) : 0;
    const reason =
      head === null
        ? 'the head of the chain is missing'
        : headSeq > raw.length
          ? `entries ${raw.length + 1}..${headSeq} are missing at the end`
          : 'the head of the chain does not match its last entry';
    return broken(raw.length, raw.length + 1, raw.length, reason);
  }
  return { ok: true, entries: raw.length };
}

function broken(entries: number, seq: number, index: number, reason: string): ChainVerdict {
  return { ok: false, entries, broken: { seq, index, reason } };
}
