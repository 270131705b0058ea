/** A client registered on the axis: its consumer key/secret and the `OrganId` fixed at onboarding. */
export interface AxisClient {
  consumerKey: string;
  consumerSecret: string;
  organId: string;
}

export interface DocumentSimulatorOptions {
  /** Shorthand for a single client (defaults: the credentials of the spec's example, `000.00.22.H40`). */
  consumerKey?: string;
  consumerSecret?: string;
  organId?: string;
  /** Several clients (replaces the shorthand); each sees only the statuses of its own documents. */
  clients?: AxisClient[];
  /** Organisation codes registered on the axis as receivers (the clients' codes are added). */
  registeredOrganIds?: string[];
  /** Seed of tokens, `docId`s and rate-based faults. */
  seed?: number;
  /** Token lifetime; `expires_in` reports it rounded up to whole seconds. Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Requests per second per consumer key before 429 `900802`; 0 disables. Default 20 (§2). */
  quotaPerSecond?: number;
  /** Inbox page size. Default 50 (§5.1). */
  pageSize?: number;
  /** Largest decoded package accepted. Default 20 MiB (§3.4 "20 MB"). */
  maxEdxmlBytes?: number;
  /** Check the one-stop profile of §6 on every document. Default true. */
  enforceOneStopProfile?: boolean;
  /** Source of "now" (tokens, quota, status timestamps). Default the system clock. */
  clock?: () => Date;
  /** First inbox item id. Default 90001. */
  firstInboxId?: number;
}

export interface ResolvedOptions {
  clients: AxisClient[];
  registeredOrganIds: Set<string>;
  seed: number;
  tokenLifetimeMs: number;
  quotaPerSecond: number;
  pageSize: number;
  maxEdxmlBytes: number;
  enforceOneStopProfile: boolean;
  clock: () => Date;
  firstInboxId: number;
}

/** Credentials of the example exchange of §2 (`Basic bW90Y3VhX2g0MF9rZXk6RXhhbXBsZS1TZWNyZXQ=`). */
export const EXAMPLE_CLIENT: AxisClient = {
  consumerKey: 'motcua_h40_key',
  consumerSecret: 'Example-Secret',
  organId: '000.00.22.H40',
};

/** Receivers of the spec's examples: the land registration office and the ward people's committee. */
export const EXAMPLE_RECEIVERS = ['000.12.12.H40', '000.07.40.H40'];

export function resolveOptions(options: DocumentSimulatorOptions = {}): ResolvedOptions {
  const clients = options.clients ?? [
    {
      consumerKey: options.consumerKey ?? EXAMPLE_CLIENT.consumerKey,
      consumerSecret: options.consumerSecret ?? EXAMPLE_CLIENT.consumerSecret,
      organId: options.organId ?? EXAMPLE_CLIENT.organId,
    },
  ];
  if (clients.length === 0) throw new Error('document simulator: at least one client is required');
  return {
    clients,
    registeredOrganIds: new Set([
      ...(options.registeredOrganIds ?? EXAMPLE_RECEIVERS),
      ...clients.map((c) => c.organId),
    ]),
    seed: options.seed ?? 1,
    tokenLifetimeMs: (options.tokenLifetimeSeconds ?? 3600) * 1000,
    quotaPerSecond: options.quotaPerSecond ?? 20,
    pageSize: options.pageSize ?? 50,
    maxEdxmlBytes: options.maxEdxmlBytes ?? 20 * 1024 * 1024,
    enforceOneStopProfile: options.enforceOneStopProfile ?? true,
    clock: options.clock ?? (() => new Date()),
    firstInboxId: options.firstInboxId ?? 90001,
  };
}
