import type { Party } from './chain.js';

/** One request and its answer, as the hooks saw it, before it is written to the dossiers' logs. */
export interface Exchange {
  direction: 'out' | 'in';
  party: Party;
  operation: string;
  purpose: string;
  /** Epoch ms when the request started. */
  startedAt: number;
  durationMs: number;
  status: number | null;
  outcome: 'ok' | 'error' | 'timeout' | 'no-answer';
  code: string | null;
  /** The request body as text (null when there was none). */
  body: string | null;
  reply: string | null;
}

export interface RecordOptions {
  /** A repeated read (a poll) whose answer is the same as the last one logged is not logged again. */
  dedupeReply?: boolean;
  /** The same, with what counts as "the same" given (e.g. the events a shared answer produced). */
  dedupeValue?: string;
  /** false: only the digests (the body is kept elsewhere, e.g. in a shared chain). */
  keepBody?: boolean;
}

/** Where the hooks hand exchanges over: the message log (one per gateway). */
export interface ExchangeRecorder {
  /** Appends the exchange to the log of each dossier (or shared chain) named. */
  record(exchange: Exchange, dossiers: readonly string[], opts?: RecordOptions): Promise<void>;
}

const MA_HO_SO = /^[A-Za-z0-9.-]{1,50}$/;
const KEYS = new Set(['MaHoSo', 'MaHoSoMotCua', 'maHoSo', 'mahoso', 'MA_HSO', 'maHoSoMotCua']);
const XML_TAG = /<(?:[A-Za-z_][\w.-]*:)?(MaHoSo|MaHoSoMotCua|maHoSo|MA_HSO)>\s*([A-Za-z0-9.-]{1,50})\s*</g;
/** A message naming more dossiers than this is attributed to the first ones only. */
const MAX_DOSSIERS = 50;

/**
 * The dossier codes a message names, wherever the party's format puts them: `MaHoSo` (portal,
 * BHXH, tax payments), `MaHoSoMotCua` (land), `maHoSo` (civil registration), `MA_HSO` (tax notices).
 */
export function dossiersNamedIn(text: string | null): string[] {
  if (!text) return [];
  const found = new Set<string>();
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      walk(JSON.parse(t) as unknown, 0, found);
    } catch {
      /* not JSON after all: try the tags */
    }
  }
  if (found.size === 0 && t.startsWith('<')) {
    for (const m of t.matchAll(XML_TAG)) {
      found.add(m[2]!);
      if (found.size >= MAX_DOSSIERS) break;
    }
  }
  return [...found];
}

function walk(v: unknown, depth: number, found: Set<string>): void {
  if (depth > 4 || found.size >= MAX_DOSSIERS || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) walk(x, depth + 1, found);
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    if (KEYS.has(k) && typeof x === 'string' && MA_HO_SO.test(x)) found.add(x);
    else if (typeof x === 'object') walk(x, depth + 1, found);
  }
}

const SECRET_JSON_KEYS =
  /"(session|password|client_secret|access_token|refresh_token|securityCode)"\s*:\s*"(?:[^"\\]|\\.)*"/g;
const SECRET_XML = /(<(?:[A-Za-z_][\w.-]*:)?(Password|Nonce)\b[^>]*>)[^<]*(<\/)/g;

/**
 * Cuts credentials out of a body before it is digested or kept: the portal's session, the
 * WS-Security password of a SOAP envelope, OAuth secrets and tokens. They are not the message,
 * and a log of messages must not become a store of credentials.
 */
export function withoutCredentials(text: string): string {
  return text.replace(SECRET_JSON_KEYS, '"$1":"***"').replace(SECRET_XML, '$1***$3');
}

/** A body of any shape as text: strings as they are, buffers as UTF-8, objects as JSON. */
export function bodyText(data: unknown): string | null {
  if (data === undefined || data === null || data === '') return null;
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (data instanceof URLSearchParams) return data.toString();
  try {
    return JSON.stringify(data);
  } catch {
    return null;
  }
}

/** The party's own result code in a JSON answer: portal `error_code`, land `status.code`, LGSP `errorCode`. */
export function resultCode(reply: string | null): string | null {
  if (!reply || !reply.trimStart().startsWith('{')) return null;
  try {
    const o = JSON.parse(reply) as { error_code?: unknown; errorCode?: unknown; status?: { code?: unknown } };
    const c = o.error_code ?? o.errorCode ?? o.status?.code;
    return typeof c === 'string' || typeof c === 'number' ? String(c).slice(0, 40) : null;
  } catch {
    return null;
  }
}
