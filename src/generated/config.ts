/* Generated from schemas/config.schema.json by scripts/gen-types.ts: do not edit. */

/**
 * A secret is read from an environment variable or a file, never written in the config.
 */
export type Secret =
  | {
      env: string;
    }
  | {
      file: string;
    };
/**
 * encrypted: kept sealed with messageLog.key; none: only the digest is kept.
 */
export type BodyPolicy = 'encrypted' | 'none';

/**
 * Validated at start-up; defaults are applied; secrets are references to environment variables or files, never inline values.
 */
export interface LienthongConfiguration {
  redis?: {
    url?: string;
    password?: Secret;
    prefix?: string;
    commandTimeoutMs?: number;
    checkNoEviction?: boolean;
    /**
     * standalone: one Redis at `url`; sentinel: the master that `sentinels` name `masterName`; cluster: a Redis Cluster reached through `nodes` (every gateway key then carries the hash tag `{prefix}`, BullMQ's `{prefix-bull}`).
     */
    mode?: 'standalone' | 'sentinel' | 'cluster';
    /**
     * Sentinel mode: the sentinels to ask for the current master.
     *
     * @minItems 1
     */
    sentinels?: RedisNode[];
    /**
     * Sentinel mode: the name the sentinels monitor the master under (`sentinelPassword`: the sentinels' own password, when they have one).
     */
    masterName?: string;
    sentinelPassword?: Secret;
    /**
     * Cluster mode: some of the cluster's nodes (the rest are discovered).
     *
     * @minItems 1
     */
    nodes?: RedisNode[];
  };
  http?: {
    host?: string;
    port?: number;
    bodyLimitBytes?: number;
    /**
     * Base URL the specialist systems use to reach the gateway (callbacks).
     */
    publicBaseUrl?: string;
    /**
     * Requests per client and window, per api process: a client is the credential it presents (the portal key, each system's callback credential, an operator token), or its address when it presents none that is valid. Beyond the limit: 429 with Retry-After.
     */
    rateLimit?: {
      enabled?: boolean;
      windowMs?: number;
      /**
       * POST /v1/portal/feed with the portal's key.
       */
      feed?: number;
      /**
       * Inbound calls of one system (land, tax, social insurance), each on its own credential.
       */
      callbacks?: number;
      /**
       * Dossier, report, admin and dashboard routes, per operator token (or the portal key).
       */
      api?: number;
      /**
       * Requests without a valid credential, per client address (it bounds what guessing keys can cost; the keys' length is what makes guessing hopeless).
       */
      unauthenticated?: number;
    };
  };
  feed?: {
    /**
     * A secret is read from an environment variable or a file, never written in the config.
     */
    key:
      | {
          env: string;
        }
      | {
          file: string;
        };
  };
  operators?: {
    name: string;
    /**
     * SHA-256 (hex) of the bearer token: the token itself is never stored.
     */
    tokenSha256: string;
    role?: 'viewer' | 'operator';
  }[];
  /**
   * Administration: replays, steering of the systems (issue 5). Tokens and roles are in operators[].
   */
  admin?: {
    /**
     * How many deliveries a bulk replay re-enqueues per second when the request names no rate, so a recovering system is not flooded.
     */
    replayRatePerSecond?: number;
    /**
     * The highest rate a bulk replay request may ask for.
     */
    replayMaxRatePerSecond?: number;
    /**
     * How many deliveries a dry run shows.
     */
    replaySampleSize?: number;
    /**
     * How often every worker process reads the breaker states forced by an administrator (and reports its own).
     */
    breakerSyncMs?: number;
  };
  /**
   * What is trimmed and when, so Redis does not grow without bound while idempotency and reports keep what they need.
   */
  retention?: {
    /**
     * Completed queue jobs older than this are removed (the ledger, not the job, remembers what was delivered).
     */
    completedJobsMaxAgeSeconds?: number;
    /**
     * Failed queue jobs older than this are removed; a dead delivery stays in the ledger and can still be replayed (its job is re-added by id).
     */
    failedJobsMaxAgeSeconds?: number;
    /**
     * A dossier (record, feed digests, deliveries and their ledger, timeline) untouched for this long is purged; until then a re-sent version is recognised as a duplicate.
     */
    ledgerDays?: number;
    /**
     * Audit log entries older than this are trimmed.
     */
    auditDays?: number;
    /**
     * How often the retention pass runs (one process at a time, a Redis lock).
     */
    intervalMs?: number;
  };
  portal: {
    baseUrl: string;
    username: string;
    password: Secret;
    madonvi: string;
    timeoutMs?: number;
    retry?: Retry;
    rateLimit?: RateLimit;
    /**
     * How long events of one dossier are held so that events arriving out of order are sent in the order they happened.
     */
    reorderWindowMs?: number;
    /**
     * NguoiXuLy of progress rows when the specialist system names nobody.
     */
    actorName?: string;
  };
  systems: {
    land?: SystemBase & {
      /**
       * A secret is read from an environment variable or a file, never written in the config.
       */
      apiKey:
        | {
            env: string;
          }
        | {
            file: string;
          };
      tinhId: number;
      callbackSecurityCode: Secret;
    };
    'civil-registration'?: SystemBase & {
      clientId: string;
      clientSecret: Secret;
      /**
       * More open dossiers than this are polled with the time-window form of LayKetQua.
       */
      windowThreshold?: number;
      /**
       * civil-registration.md §1 allows 10 per client.
       */
      maxRequestsPerSecond?: number;
      /**
       * How often the system is polled for status changes (a scheduled job that runs on one worker at a time).
       */
      pollIntervalMs?: number;
    };
    tax?: SystemBase & {
      /**
       * A secret is read from an environment variable or a file, never written in the config.
       */
      securityKey:
        | {
            env: string;
          }
        | {
            file: string;
          };
      /**
       * A secret is read from an environment variable or a file, never written in the config.
       */
      inboundSecurityKey?:
        | {
            env: string;
          }
        | {
            file: string;
          };
      /**
       * MA_DVI_GUI registered with the tax authority.
       */
      maDviGui: string;
    };
    'social-insurance'?: SystemBase & {
      /**
       * UsernameToken the gateway sends to BHXH.
       */
      username: string;
      password: Secret;
      /**
       * UsernameToken BHXH presents on its callbacks.
       */
      callbackUsername: string;
      callbackPassword: Secret;
      /**
       * social-insurance.wsdl; default: the vendor's file in ../shared/specs.
       */
      wsdlPath?: string;
      callbackWsdlPath?: string;
    };
    document?: SystemBase & {
      consumerKey: string;
      consumerSecret: Secret;
      /**
       * The sender's OrganId on the axis.
       */
      organId: string;
      organName: string;
      organAdd?: string;
      email?: string;
      telephone?: string;
      /**
       * PromulgationInfo/Place, e.g. Nghệ An.
       */
      place: string;
      dossierSigner: Signer;
      apologyAgencies?: {
        [k: string]: {
          /**
           * @minItems 1
           */
          receivers: Organ[];
          signer?: Signer;
        };
      };
      attachLodgedDocuments?: boolean;
      maxRequestsPerSecond?: number;
      /**
       * How often the system is polled for status changes (a scheduled job that runs on one worker at a time).
       */
      pollIntervalMs?: number;
    };
  };
  workers?: {
    concurrency?: number;
    lockDurationMs?: number;
    stalledIntervalMs?: number;
    shutdownGraceMs?: number;
    /**
     * A worker process rewrites this file every 5 s while its queues run and Redis answers; `node dist/src/healthcheck.js --file <path>` (the container's HEALTHCHECK) fails when it is older than 30 s. Not written when unset.
     */
    heartbeatFile?: string;
  };
  log?: {
    level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  };
  /**
   * GET /metrics in the Prometheus text format. Absent: not served. Without `port` it is served on the API port and then needs `token`; with `port` it is served only on a listener of its own (the only way to scrape a worker process).
   */
  metrics?: {
    /**
     * Port of the metrics listener (0: any free port).
     */
    port?: number;
    /**
     * Address of the metrics listener.
     */
    host?: string;
    /**
     * A secret is read from an environment variable or a file, never written in the config.
     */
    token?:
      | {
          env: string;
        }
      | {
          file: string;
        };
    /**
     * Also expose the Node process metrics (CPU, memory, event loop lag, GC).
     */
    processMetrics?: boolean;
  };
  /**
   * Deadline tracking and apology letters (late dossiers get a letter with a new appointment date, sent for signing through document management).
   */
  deadlines?: {
    enabled?: boolean;
    /**
     * How often overdue dossiers are looked for (one scan per tick for the whole cluster).
     */
    scanIntervalMs?: number;
    /**
     * New appointment date proposed in an apology letter when the handling system gives none: this many working days from the day the delay is found.
     */
    apologyExtensionWorkingDays?: number;
    apologyReason?: string;
    /**
     * Draft and send the apology letter (form 04) through document management when a dossier becomes overdue.
     */
    sendApologyLetters?: boolean;
  };
  /**
   * Reconciliation (issue 9): reads the portal's copy and each system's own status of open and recently closed dossiers, finds drift, repairs what syncing can repair and keeps the rest for a person.
   */
  reconciliation?: {
    /**
     * Run on a schedule (one run per tick for the whole cluster). The on-demand run (POST /admin/reconciliations) works either way.
     */
    enabled?: boolean;
    /**
     * How often the scheduled run starts.
     */
    intervalMs?: number;
    /**
     * Dossiers closed (3, 7, 8, 9, 10) less than this many days ago are checked too.
     */
    closedWindowDays?: number;
    /**
     * A dossier changed at the gateway, or a status changed at a system, more recently than this is left to the callbacks and polls that are still on their way.
     */
    settleMs?: number;
    /**
     * Reads per second at each system and at the portal during a run (one run at a time in the cluster, so this is the cluster's rate).
     */
    readsPerSecond?: number;
    maxDossiersPerRun?: number;
  };
  /**
   * The tamper-evident message log (issue 9): every message exchanged with the portal and the systems, per dossier, hash-chained; bodies sealed with AES-256-GCM or not kept.
   */
  messageLog?: {
    enabled?: boolean;
    /**
     * A secret is read from an environment variable or a file, never written in the config.
     */
    key?:
      | {
          env: string;
        }
      | {
          file: string;
        };
    /**
     * Per party, whether message bodies are kept (sealed) or not; `default` applies to the others. Without an entry: kept when a key is configured.
     */
    bodies?: {
      default?: BodyPolicy;
      portal?: BodyPolicy;
      land?: BodyPolicy;
      'civil-registration'?: BodyPolicy;
      tax?: BodyPolicy;
      'social-insurance'?: BodyPolicy;
      document?: BodyPolicy;
    };
    /**
     * A dossier's whole chain is removed when its newest entry is older than this (never a part of a chain).
     */
    retentionDays?: number;
    /**
     * Sealed bodies expire after this; the chain (with the bodies' digests) stays verifiable.
     */
    bodyRetentionDays?: number;
    /**
     * Larger bodies are digested but not kept.
     */
    maxBodyBytes?: number;
  };
}
export interface RedisNode {
  host: string;
  port: number;
}
export interface Retry {
  attempts?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
}
export interface RateLimit {
  max?: number;
  durationMs?: number;
}
export interface SystemBase {
  enabled?: boolean;
  baseUrl: string;
  timeoutMs?: number;
  retry?: Retry1;
  breaker?: Breaker;
  rateLimit?: RateLimit1;
}
export interface Retry1 {
  attempts?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
}
export interface Breaker {
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
  rollingCountTimeoutMs?: number;
  resetTimeoutMs?: number;
}
export interface RateLimit1 {
  max?: number;
  durationMs?: number;
}
export interface Signer {
  Competence?: string;
  Position: string;
  FullName?: string;
}
export interface Organ {
  OrganId: string;
  OrganName: string;
  OrganAdd?: string;
  Email?: string;
  Telephone?: string;
  Website?: string;
  Fax?: string;
  OrganInCharge?: string;
}
