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
 * Validated at start-up; defaults are applied; secrets are references to environment variables or files, never inline values.
 */
export interface LienthongConfiguration {
  redis?: {
    url?: string;
    password?: Secret;
    prefix?: string;
    commandTimeoutMs?: number;
    checkNoEviction?: boolean;
  };
  http?: {
    host?: string;
    port?: number;
    bodyLimitBytes?: number;
    /**
     * Base URL the specialist systems use to reach the gateway (callbacks).
     */
    publicBaseUrl?: string;
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
