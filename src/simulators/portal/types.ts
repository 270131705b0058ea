import type { FaultSettings } from '../fault-injector.js';

/** A dossier record as the portal stores it (portal.md §3): known fields only, every scalar a string. */
export type DossierRecord = Record<string, unknown>;

/** One progress row as stored and returned in `DanhSachTienDo` (portal.md §5.5). */
export type ProgressRow = Record<string, string>;

/** An account of the status-receiving API (portal.md §5.2) and the units it may read and write. */
export interface PortalAccount {
  username: string;
  password: string;
  /** One-stop unit codes (`madonvi`) the account may write for and read. */
  units: string[];
}

export interface PortalSimulatorOptions {
  /** Account name checked by `/auth/login` (default `lienthong_h40`, the spec example). */
  username?: string;
  /** Password checked by `/auth/login`, exactly (default `Example-Passw0rd`). */
  password?: string;
  /** Units the account may write for (default `['H40.22']`). */
  units?: string[];
  /** Further accounts, each with its own rate-limit budget. */
  extraAccounts?: PortalAccount[];
  /** Unit owning the dossiers the portal seeds itself (default: first of `units`). */
  madonvi?: string;
  /** Session lifetime in ms (default 1 800 000 = the production 1800 s). `expires_in` is this in whole seconds, at least 1. */
  sessionTtlMs?: number;
  /** Requests per second per account, `/auth/login` and `/integration` together (default 20; 0 disables). */
  rateLimitPerSecond?: number;
  /** Subscriber URL of the dossier feed (portal.md §4); may be set later with `setFeedTarget`. */
  feedUrl?: string;
  /** `X-MotCua-Key` sent with every push (default `8d2f6a1c-feed-key-example`). */
  feedKey?: string;
  /** Wait between delivery attempts of one version (default 60 000 ms, §4.3). */
  feedRetryIntervalMs?: number;
  /** Attempts per version before it is marked failed (default 60, §4.3). */
  feedMaxAttempts?: number;
  /** An attempt without a complete answer within this time fails (default 30 000 ms). */
  feedTimeoutMs?: number;
  /** Dossiers pushed in parallel (default 4, §4.3). */
  feedConcurrency?: number;
  /** Seed of the PRNG used for session tokens and rate-based faults. */
  seed?: number;
}

/** Who set a status: one of the two services, or the portal's own desk. */
export type StatusSource =
  | 'seed'
  | 'DongBoHoSoMC'
  | 'CapNhatTienDoHoSoMC'
  | 'desk:supplement'
  | 'desk:result'
  | 'desk:withdraw'
  | 'desk:correction';

/** One status the record took, in the order applied (also when it equals the previous one). */
export interface StatusChange {
  /** Global sequence over all dossiers, from 1. */
  seq: number;
  status: string;
  source: StatusSource;
  /** ISO time the change was applied. */
  at: string;
}

/** Faults specific to the portal's session handling. */
export interface SessionFaults {
  /** The next N `/integration` requests with a valid session get `"-1"` and the session is invalidated. */
  expireNext: number;
}

/** Faults of the dossier feed (the portal side of at-least-once delivery). */
export interface FeedFaults {
  /** The next N versions are delivered twice (the second, byte-identical, right after the first 2xx). */
  duplicateNext: number;
  /** Share (0..1) of versions delivered twice. */
  duplicateRate: number;
}

/** Patch accepted by `setFaults` and `POST /__sim/faults`. */
export type PortalFaultPatch = Partial<FaultSettings> & {
  session?: Partial<SessionFaults>;
  feed?: Partial<FeedFaults>;
  /** Change the account rate limit (0 disables). */
  rateLimitPerSecond?: number;
};

export type FeedVersionStatus = 'queued' | 'sending' | 'delivered' | 'failed' | 'aborted';

/** One version of one dossier handed to the feed, and what became of it. */
export interface FeedDelivery {
  /** Sequence over all versions, from 1. */
  id: number;
  maHoSo: string;
  isUpdating: 'True' | 'False';
  /** Why it was pushed: `push`, `supplement`, `result`, `withdraw`, `correction`, `redeliver`. */
  reason: string;
  /** The exact body sent (identical on every attempt). */
  body: string;
  status: FeedVersionStatus;
  /** HTTP attempts made for this version (not counting duplicates). */
  attempts: number;
  /** Attempts answered 2xx, including duplicate deliveries. */
  deliveries: number;
  lastStatusCode?: number;
  lastError?: string;
}

export interface FeedStats {
  versions: number;
  attempts: number;
  delivered: number;
  failed: number;
  duplicatesSent: number;
}

/** Counters of the status-receiving API. */
export interface PortalCounters {
  /** Successful / failed `/auth/login`. */
  logins: number;
  loginFailures: number;
  /** `/integration` requests that reached the application (not faulted, not rate-limited). */
  requests: number;
  byService: Record<string, number>;
  /** Answers of `/auth/login` and `/integration` by `error_code`. */
  byErrorCode: Record<string, number>;
  /** 429 answers from the account rate limit (injected 429s are in `faults.counts.rateLimited`). */
  rateLimited: number;
  /** `"-1"` answers. */
  sessionRejected: number;
  /** Dossiers created / replaced by `DongBoHoSoMC`. */
  created: number;
  replaced: number;
  /** `DongBoHoSoMC` requests answered `"3"`. */
  alreadyExists: number;
  /** Progress rows appended by `CapNhatTienDoHoSoMC`. */
  progressRows: number;
  lookups: number;
  fileDownloads: number;
}

/** What the simulator holds for one dossier. */
export interface DossierView {
  madonvi: string;
  /** `portal` when seeded at the desk, `integrator` when created by `DongBoHoSoMC`. */
  origin: 'portal' | 'integrator';
  record: DossierRecord;
  DanhSachTienDo: ProgressRow[];
  statusHistory: StatusChange[];
  /** Applied `DongBoHoSoMC` requests and progress rows for this dossier. */
  writes: { dongBo: number; progressRows: number };
}
