import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { SystemEvent, SystemId } from '../domain/system-event.js';
import type { DossierRecord } from '../domain/dossier.js';
import type { TrangThaiHoSo } from '../domain/status-machine.js';

/** One operation the gateway must perform at a system because of a portal version. */
export interface PlannedOperation {
  /** The adapter's operation name (tiepnhan, capnhattrangthaibosunghoso…). */
  operation: string;
  /**
   * Identifies the intent, not the attempt: the same intent planned twice (a redelivered or
   * re-sent portal version) maps to the same delivery and is never performed twice.
   */
  intentKey: string;
  /** Data the operation needs beyond the dossier record (e.g. which supplement entry). */
  params?: Record<string, unknown>;
}

/** What changed between two versions of a dossier as the portal pushed them. */
export interface DossierChange {
  previous: DossierRecord | null;
  current: DossierRecord;
}

export interface DeliveryContext {
  deliveryId: string;
  operation: string;
  params: Record<string, unknown>;
  record: DossierRecord;
  /** The system's id of the dossier, once known (from an earlier operation or a lookup). */
  externalId: string | undefined;
  attempt: number;
  /**
   * Facts learned about the dossier from other systems' events (`SystemEvent.facts`), e.g.
   * `soDinhDanh` assigned by civil registration, which social insurance needs for a child's card.
   * An operation that needs a fact not known yet throws GW_ERR_DELIVERY_PREREQUISITE: the engine
   * postpones it without spending an attempt and retries when new facts arrive.
   */
  facts: Readonly<Record<string, string>>;
  log: Logger;
  /** Aborted when the worker shuts down or the job's lock is lost. */
  signal?: AbortSignal;
  /**
   * Records the exact request body about to be sent (the mapped JSON object, or the XML text), so
   * an administrator can see what the system received. Call it just before the request leaves;
   * optional, so adapters and tests that build a context by hand need not provide it.
   */
  recordPayload?(payload: unknown, contentType: string): void;
}

export interface DeliveryResult {
  /** The system's id of the dossier, when this operation created or revealed it. */
  externalId?: string;
  /** Short human-readable note for the timeline (e.g. "already existed, adopted 152347"). */
  note?: string;
}

export type LookupResult = { found: true; externalId: string; note?: string } | { found: false };

export interface AdapterHealth {
  ok: boolean;
  detail?: string;
}

/**
 * The contract every specialist-system adapter implements (GUIDE.md §1).
 *
 * @remarks The guarantee "entered exactly once" rests on two methods: `deliver` must normalise
 * every failure into a GatewayError saying whether the outcome is *unknown* (timeout, reset, 5xx
 * on a non-idempotent call), and `lookup` must be able to tell, for such an operation, whether the
 * earlier attempt was applied. The engine calls `lookup` before any retry that follows an unknown
 * outcome (or a crash while the request was in flight) and adopts what it finds instead of
 * sending again. Idempotent operations may skip the lookup (`idempotent: true`).
 */
export interface SystemAdapter {
  readonly system: SystemId;
  readonly protocol: 'rest-json' | 'soap' | 'xml-http' | 'edxml';
  /** How status changes arrive: pushed by the system, or pulled by a poller. */
  readonly statusSource: 'callback' | 'poll';
  /** Operation names with their idempotency, as the vendor's document states it. */
  readonly operations: Readonly<Record<string, { idempotent: boolean; needsExternalId: boolean }>>;
  /**
   * What this system needs from a record before it can be entered (its specialist block, dates).
   * Checked at intake, so a dossier the system could never accept is refused with 422 and
   * nothing is stored, instead of failing later in a queue.
   */
  requirements(record: DossierRecord): Array<{ path: string; message: string }>;
  /** Which operations a new portal version implies for this system. Pure. */
  plan(change: DossierChange): PlannedOperation[];
  /** Performs one operation. Throws GatewayError on failure. */
  deliver(ctx: DeliveryContext): Promise<DeliveryResult>;
  /** Settles an unknown outcome: was `ctx.operation` already applied at the system? */
  lookup(ctx: DeliveryContext): Promise<LookupResult>;
  health(): Promise<AdapterHealth>;
  /**
   * Pulls status changes (systems without callbacks). Called by a repeatable job that runs on one
   * worker at a time. The engine stores the returned events durably (deduplicated by eventId) and
   * only then calls `batch.commit()` (e.g. to acknowledge inbox items), and keeps `rejects` for an
   * administrator. `cursor` is persisted by the engine between polls.
   */
  poll?(ctx: PollContext): Promise<PollBatch>;
  /**
   * Reads back what the system itself holds for a dossier now (reconciliation, issue 9).
   *
   * @remarks Optional because not every system can be read back: tax.md has no query operation
   * and document management only offers its status inbox, so neither implements it and the
   * reconciliation says so instead of guessing. A read never changes anything at the system.
   * `entries` is every entry the system holds under the dossier's code: none means the system
   * does not know the dossier, two or more that it holds it twice.
   */
  status?(ctx: StatusContext): Promise<StatusReading>;
}

export interface StatusContext {
  MaHoSo: string;
  /** The system's id of the dossier, when the gateway knows it (the entry it adopted). */
  externalId: string | undefined;
  record: DossierRecord;
  log: Logger;
  signal?: AbortSignal;
}

/** One entry a system holds for a dossier, as its read-back operation reports it. */
export interface SystemEntryStatus {
  externalId: string;
  /** The DVCQG status the system's code corresponds to (undefined when it has none). */
  status: TrangThaiHoSo | undefined;
  /** The system's own status code, kept as evidence. */
  code: string;
  /** When the system last changed it, portal format `yyyyMMddHHmmss`; '' when not given. */
  updatedAt: string;
  /** The system says only that it has received the dossier: no step taken there yet. */
  initial: boolean;
}

export interface StatusReading {
  entries: SystemEntryStatus[];
  /**
   * The event the system's own message about its current state would have produced (the entry the
   * gateway adopted, else the first), with an id derived from that state, so handing it to the
   * engine twice applies it once. Absent when the state cannot be expressed as an event.
   */
  event?: SystemEvent;
}

export interface PollContext {
  /** Dossiers routed to this system that are not finished, with the system's id when known. */
  open: Array<{ MaHoSo: string; externalId?: string }>;
  /** What the previous poll returned as `nextCursor` (undefined on the first poll). */
  cursor: string | undefined;
  now: Date;
  log: Logger;
}

export interface PollBatch {
  events: SystemEvent[];
  /** Items that could not be parsed or mapped: kept for an administrator, never applied. */
  rejects: Array<{ ref: string; reason: string; raw?: string }>;
  nextCursor?: string;
  /** Called after `events` and `rejects` are stored (acknowledge DONE / FAIL at the system). */
  commit?(): Promise<void>;
  /** Milliseconds the system asked us to wait before the next poll (429 Retry-After). */
  retryAfterMs?: number;
}

/**
 * Where inbound routes hand over what a system pushed. Implemented by the engine.
 *
 * @remarks `accept` is atomic per event and deduplicates on (system, eventId): a repeat returns
 * `fresh: false` and changes nothing, so a route can always answer the sender "received".
 */
export interface InboundSink {
  /** Whether the gateway knows this dossier (a push for an unknown one is refused). */
  knows(maHoSo: string): Promise<boolean>;
  accept(events: SystemEvent[], requestId?: string): Promise<Array<{ eventId: string; fresh: boolean }>>;
}

export interface AdapterFactoryOptions {
  config: GatewayConfig;
  log: Logger;
}

/**
 * Inbound status callbacks posted by a system as JSON to `/callbacks/<system>/<credential>/<operation>`.
 *
 * @remarks `parse` validates the body completely and converts the system's times and codes; it
 * never touches Redis, so a body that fails here has stored nothing.
 */
export interface CallbackParser {
  readonly operations: readonly string[];
  /** Constant-time check of the credential carried by the call. */
  authenticate(credential: string): boolean;
  /** Throws GatewayError GW_ERR_CALLBACK_INVALID naming the field. */
  parse(operation: string, body: unknown): SystemEvent;
}
