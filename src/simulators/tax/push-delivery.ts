import type { ClientRequest } from 'node:http';
import { CallbackEmitter } from '../callback-emitter.js';
import type { EmitterFaults } from '../callback-emitter.js';
import { parseKq } from './kq-envelope.js';
import { postRaw } from './post-raw.js';
import type { PushAttempt, PushKind, PushRecord } from './types.js';

export interface PushDeliveryOptions {
  securityKey: () => string;
  retryIntervalMs: number;
  maxAttempts: number;
  timeoutMs: number;
  seed: number;
}

export interface NewPush {
  kind: PushKind;
  url: string;
  body: string;
  maGdich: string;
  maHoSo: string[];
  soQuyetDinh: string[];
  repeatOf?: number;
}

const CONTENT_TYPE: Record<PushKind, string> = {
  notice: 'application/xml; charset=utf-8',
  payment: 'application/json; charset=utf-8',
};

/**
 * Delivers the tax authority's pushes with the semantics of tax.md §4.1 on top of the shared
 * CallbackEmitter: delivered = HTTP 2xx AND MA_LOI `00`; 2xx with `01` = rejected, never resent
 * (the emitter is told "done"); anything else (non-2xx, other MA_LOI, unparseable, connection
 * error, timeout) is retried every `retryIntervalMs`, `maxAttempts` attempts in all, then given up
 * ("handed to the tax office"). Every attempt records what the receiver answered.
 */
export class PushDelivery {
  private readonly emitter: CallbackEmitter<PushRecord>;
  private readonly list: PushRecord[] = [];
  private readonly inflight = new Set<ClientRequest>();
  private closed = false;
  attempts = 0;
  duplicatesSent = 0;

  constructor(private readonly options: PushDeliveryOptions) {
    this.emitter = new CallbackEmitter<PushRecord>({
      send: (push) => this.send(push),
      retryIntervalMs: options.retryIntervalMs,
      maxAttempts: options.maxAttempts,
      seed: options.seed,
    });
  }

  get faults(): EmitterFaults {
    return this.emitter.faults;
  }

  setFaults(patch: Partial<EmitterFaults>): void {
    this.emitter.setFaults(patch);
  }

  /** Queues messages that happened in this order (one emitter batch: `reorder` reverses it). */
  push(messages: NewPush[]): PushRecord[] {
    const records = messages.map((m) => {
      const record: PushRecord = {
        id: this.list.length + 1,
        kind: m.kind,
        url: m.url,
        contentType: CONTENT_TYPE[m.kind],
        body: m.body,
        maGdich: m.maGdich,
        maHoSo: m.maHoSo,
        soQuyetDinh: m.soQuyetDinh,
        outcome: 'pending',
        attempts: [],
      };
      if (m.repeatOf !== undefined) record.repeatOf = m.repeatOf;
      this.list.push(record);
      return record;
    });
    this.emitter.emit(records);
    return records;
  }

  all(): PushRecord[] {
    return [...this.list];
  }

  get(id: number): PushRecord | undefined {
    return this.list[id - 1];
  }

  last(): PushRecord | undefined {
    return this.list[this.list.length - 1];
  }

  count(outcome: PushRecord['outcome']): number {
    return this.list.filter((p) => p.outcome === outcome).length;
  }

  /** Resolves when every queued push is delivered, rejected or given up. */
  idle(): Promise<void> {
    return this.emitter.idle();
  }

  /** Forgets the push log (pushes still in flight finish on their own records). */
  clear(): void {
    this.list.length = 0;
    this.attempts = 0;
    this.duplicatesSent = 0;
  }

  close(): void {
    this.closed = true;
    this.emitter.close();
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
  }

  private async send(push: PushRecord): Promise<boolean> {
    // A rejected message is never resent, not even by the duplicate fault.
    if (push.outcome === 'rejected' || this.closed) return true;
    const duplicate = push.outcome === 'delivered';
    this.attempts += 1;
    const attempt: PushAttempt = { seq: this.attempts, at: new Date().toISOString(), duplicate };
    if (duplicate) this.duplicatesSent += 1;
    push.attempts.push(attempt);
    let finished: boolean;
    try {
      const answer = await postRaw(
        push.url,
        { 'Content-Type': push.contentType, SecurityKey: this.options.securityKey() },
        Buffer.from(push.body, 'utf8'),
        this.options.timeoutMs,
        this.inflight,
      );
      attempt.status = answer.status;
      const kq = await parseKq(answer.body);
      if (kq) {
        attempt.maLoi = kq.MA_LOI;
        attempt.moTa = kq.MO_TA;
      }
      const ok2xx = answer.status >= 200 && answer.status < 300;
      if (duplicate) return true;
      if (ok2xx && kq?.MA_LOI === '00') push.outcome = 'delivered';
      else if (ok2xx && kq?.MA_LOI === '01') push.outcome = 'rejected';
      finished = push.outcome !== 'pending';
    } catch (err) {
      attempt.error = err instanceof Error ? err.message : String(err);
      if (duplicate) return true;
      finished = false;
    }
    if (!finished && !this.closed) {
      const tries = push.attempts.filter((a) => !a.duplicate).length;
      if (tries >= this.options.maxAttempts) push.outcome = 'given-up';
    }
    return finished;
  }
}
