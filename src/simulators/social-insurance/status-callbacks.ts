import type { ClientRequest } from 'node:http';
import { CallbackEmitter } from '../callback-emitter.js';
import type { EmitterFaults } from '../callback-emitter.js';
import { buildCallbackRequest, classifyCallbackAnswer, FINAL_OUTCOMES, postSoap } from './callback-sender.js';
import type { CallbackOutcome } from './callback-sender.js';
import type { StatusEvent } from './dossier-store.js';
import type { Credentials } from './ws-security.js';

/** Where and as whom BHXH calls the client's `CapNhatTrangThaiService`. */
export interface CallbackTarget {
  url: string | undefined;
  username: string;
  password: string;
}

/** One HTTP attempt of a status callback, as the simulator logged it. */
export interface CallbackAttempt {
  seq: number;
  maSuKien: string;
  maHoSo: string;
  trangThai: number;
  thoiDiem: string;
  /** `first` attempt, `retry` after a failure, `repeat` of an event already delivered (duplicate fault or resend). */
  kind: 'first' | 'retry' | 'repeat';
  outcome: CallbackOutcome;
  httpStatus?: number;
  detail?: string;
  at: string;
}

export interface CallbackCounters {
  /** Events handed to the emitter (including manual resends). */
  emitted: number;
  /** HTTP attempts (including retries and repeats). */
  attempts: number;
  /** Distinct events acknowledged with `MaKetQua` 0. */
  delivered: number;
  /** Acknowledgements received in total (repeats of delivered events included). */
  acknowledgements: number;
  /** Events answered with `MaKetQua` ≠ 0 (not resent). */
  notAccepted: number;
  /** Attempts that failed and were (or would have been) retried. */
  failedAttempts: number;
  /** Extra deliveries sent by the duplicate fault. */
  duplicatesSent: number;
  /** Events given up after the last attempt. */
  dropped: number;
}

const LOG_LIMIT = 1000;

/**
 * Sends status events through the shared `CallbackEmitter` (at-least-once, retried every
 * `retryIntervalMs` up to `maxAttempts` attempts, duplicate and reorder faults).
 */
export class StatusCallbacks {
  readonly emitter: CallbackEmitter<StatusEvent>;
  private readonly inFlight = new Set<ClientRequest>();
  private readonly attemptsByEvent = new Map<string, number>();
  private readonly acked = new Set<string>();
  private readonly rejected = new Set<string>();
  private readonly events = new Map<string, StatusEvent>();
  private readonly attemptLog: CallbackAttempt[] = [];
  private seq = 0;
  private acknowledgements = 0;
  private failedAttempts = 0;
  private closed = false;

  constructor(
    public target: CallbackTarget,
    private readonly timeoutMs: number,
    retryIntervalMs: number,
    maxAttempts: number,
    seed: number,
  ) {
    this.emitter = new CallbackEmitter<StatusEvent>({
      send: (event) => this.send(event),
      retryIntervalMs,
      maxAttempts,
      seed,
    });
  }

  emit(events: StatusEvent[]): void {
    if (events.length === 0 || this.closed) return;
    for (const e of events) this.events.set(e.maSuKien, e);
    this.emitter.emit(events);
  }

  /** Sends an event already emitted once more, unchanged (same `MaSuKien`). */
  resend(maSuKien: string): boolean {
    const event = this.events.get(maSuKien);
    if (!event) return false;
    this.emit([event]);
    return true;
  }

  setFaults(patch: Partial<EmitterFaults>): void {
    this.emitter.setFaults(patch);
  }

  counters(): CallbackCounters {
    const s = this.emitter.stats;
    return {
      emitted: s.emitted,
      attempts: this.seq,
      delivered: this.acked.size,
      acknowledgements: this.acknowledgements,
      notAccepted: this.rejected.size,
      failedAttempts: this.failedAttempts,
      duplicatesSent: s.duplicatesSent,
      dropped: s.dropped,
    };
  }

  /** Times each event of a dossier was acknowledged (0 = never), keyed by `MaSuKien`. */
  deliveries(maSuKien: string): number {
    return this.attemptLog.filter((a) => a.maSuKien === maSuKien && a.outcome === 'delivered').length;
  }

  log(): CallbackAttempt[] {
    return [...this.attemptLog];
  }

  idle(): Promise<void> {
    return this.emitter.idle();
  }

  close(): void {
    this.closed = true;
    this.emitter.close();
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
  }

  private record(
    event: StatusEvent,
    attempt: Omit<CallbackAttempt, 'seq' | 'maSuKien' | 'maHoSo' | 'trangThai' | 'thoiDiem' | 'at'>,
  ): void {
    this.attemptLog.push({
      seq: this.seq,
      maSuKien: event.maSuKien,
      maHoSo: event.maHoSo,
      trangThai: event.trangThai,
      thoiDiem: event.thoiDiem,
      ...attempt,
      at: new Date().toISOString(),
    });
    if (this.attemptLog.length > LOG_LIMIT) this.attemptLog.shift();
  }

  private async send(event: StatusEvent): Promise<boolean> {
    if (this.closed) return false;
    this.seq += 1;
    const previous = this.attemptsByEvent.get(event.maSuKien) ?? 0;
    this.attemptsByEvent.set(event.maSuKien, previous + 1);
    const kind: CallbackAttempt['kind'] =
      this.acked.has(event.maSuKien) || this.rejected.has(event.maSuKien)
        ? 'repeat'
        : previous === 0
          ? 'first'
          : 'retry';
    const { url, username, password } = this.target;
    if (!url) {
      this.failedAttempts += 1;
      this.record(event, { kind, outcome: 'no-target' });
      return false;
    }
    const credentials: Credentials = { username, password };
    try {
      const answer = await postSoap(
        url,
        buildCallbackRequest(event, credentials),
        this.timeoutMs,
        this.inFlight,
      );
      const c = classifyCallbackAnswer(answer);
      this.record(event, {
        kind,
        outcome: c.outcome,
        httpStatus: answer.status,
        ...(c.moTa !== undefined
          ? { detail: c.moTa }
          : c.faultcode !== undefined
            ? { detail: c.faultcode }
            : {}),
      });
      if (c.outcome === 'delivered') {
        this.acknowledgements += 1;
        this.acked.add(event.maSuKien);
      } else if (c.outcome === 'not-accepted') this.rejected.add(event.maSuKien);
      else this.failedAttempts += 1;
      return FINAL_OUTCOMES.includes(c.outcome);
    } catch (e) {
      this.failedAttempts += 1;
      const message = e instanceof Error ? e.message : String(e);
      this.record(event, {
        kind,
        outcome: message === 'timeout' ? 'timeout' : 'network-error',
        detail: message,
      });
      return false;
    }
  }
}
