import type { CallbackEmitter, EmitterFaults, EmitterStats } from '../callback-emitter.js';
import type { FaultCounts, FaultInjector, FaultSettings } from '../fault-injector.js';
import type { CallbackAttempt, CallbackCounters, CallbackTarget } from './status-callbacks.js';
import type { DossierRecord, StatusChange, StatusEvent } from './dossier-store.js';
import type { EndpointCounters } from './soap-endpoint.js';
import type { Person } from './person-registry.js';
import type { ServerFaultSettings } from './server-fault-switch.js';
import type { TrangThai } from './protocol.js';
import type { Credentials } from './ws-security.js';

/** One step of `emitBatch` / `autoProgress`. */
export interface StatusStep {
  trangThai: TrangThai;
  ghiChu?: string;
}

/** Everything `/__sim/faults` and `setFaults` accept: transport faults, `soap:Server` faults, callback faults. */
export type SocialInsuranceFaultPatch = Partial<FaultSettings> &
  Partial<ServerFaultSettings> &
  Partial<EmitterFaults>;

export interface SocialInsuranceFaultState {
  transport: FaultSettings;
  soap: ServerFaultSettings;
  callbacks: EmitterFaults;
  /** What was injected so far. */
  injected: FaultCounts & { serverFaults: number };
}

export interface SocialInsuranceCounters extends EndpointCounters {
  /** BHXH dossiers held (one per `MaHoSo`). */
  records: number;
  callbacks: CallbackCounters;
  emitter: EmitterStats;
  injected: FaultCounts & { serverFaults: number };
}

export interface SocialInsuranceState {
  serviceUrl: string | undefined;
  clock: { now: string; pinned: string | undefined };
  callbackTarget: { url: string | undefined; username: string };
  counters: SocialInsuranceCounters;
  faults: SocialInsuranceFaultState;
  records: DossierRecord[];
  callbackLog: CallbackAttempt[];
  persons: Person[];
}

export interface SocialInsuranceSimulator {
  /** Listens on 127.0.0.1 and returns the service address, e.g. `http://127.0.0.1:40123/bhxh/hoso`. */
  start(port?: number): Promise<string>;
  /** Stops the server, releases hanging connections, stops callback retries and timers. */
  close(): Promise<void>;
  /** Service address (`…/bhxh/hoso`), once started. */
  readonly url: string | undefined;
  /** `http://127.0.0.1:<port>`, once started; `/__sim/…` lives here (and under the service path). */
  readonly origin: string | undefined;
  readonly faults: FaultInjector;
  readonly callbackEmitter: CallbackEmitter<StatusEvent>;
  /** The next n SOAP requests get the `soap:Server` fault (nothing processed). */
  serverFaultNext(n: number): void;
  /** The next n status events are delivered twice (same `MaSuKien`, identical content). */
  duplicateNextCallbacks(n: number): void;
  /** Send each emitted batch newest first. */
  reorderCallbacks(on: boolean): void;
  setFaults(patch: SocialInsuranceFaultPatch): SocialInsuranceFaultState;
  faultState(): SocialInsuranceFaultState;
  /** BHXH dossiers held for this `MaHoSo` (0 or 1: `NopHoSo` is idempotent). */
  entries(maHoSo: string): number;
  record(maHoSo: string): DossierRecord | undefined;
  records(): DossierRecord[];
  counters(): SocialInsuranceCounters;
  state(): SocialInsuranceState;
  /** Changes the status `TraCuuHoSo` shows and sends the callback. */
  setStatus(maHoSo: string, trangThai: TrangThai, extra?: StatusChange): StatusEvent;
  /** Applies several changes of one dossier in order and emits them as one batch (reorder fault: newest first). */
  emitBatch(maHoSo: string, steps: StatusStep[]): StatusEvent[];
  /** Sends an already emitted event again, unchanged. */
  resendEvent(maSuKien: string): boolean;
  callbackLog(): CallbackAttempt[];
  /** Resolves when every emitted callback was delivered, refused or dropped. */
  callbacksIdle(): Promise<void>;
  registerPerson(person: Person): void;
  /** Pins the clock (Date or xs:dateTime with offset); null unpins. */
  setClock(now: Date | string | null): void;
  setCallbackTarget(patch: Partial<CallbackTarget>): void;
  setCredentials(credentials: Credentials): void;
  /** Forgets dossiers, counters, logs and faults (callbacks in flight are abandoned). */
  reset(): void;
}
