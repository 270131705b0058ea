import { seededRandom } from './fault-injector.js';

/**
 * Sends a simulated system's outbound events (callbacks, pushes) to the gateway the way a real
 * vendor does: at least once, retried on failure, and — when the faults say so — twice or out of
 * order.
 *
 * @remarks `emit` takes a batch of events that happened in order. With `reorder` on, the batch is
 * sent newest first; with duplicates on, an event is sent again after its first 2xx. Each event is
 * retried independently, which is exactly how events of one dossier can overtake each other.
 */
export interface EmitterFaults {
  /** Send each batch newest first. */
  reorder: boolean;
  /** The next N events are delivered twice. */
  duplicateNext: number;
  /** Share (0..1) of events delivered twice. */
  duplicateRate: number;
}

export interface EmitterStats {
  /** Events handed to `emit`. */
  emitted: number;
  /** HTTP attempts made (including retries and duplicates). */
  attempts: number;
  /** Events acknowledged with a 2xx at least once. */
  delivered: number;
  /** Extra deliveries sent on purpose after a 2xx. */
  duplicatesSent: number;
  /** Events given up after the last retry. */
  dropped: number;
}

export interface CallbackEmitterOptions<E> {
  /** Sends one event; resolves true on a 2xx. Must not throw for HTTP errors (return false). */
  send: (event: E) => Promise<boolean>;
  retryIntervalMs?: number;
  maxAttempts?: number;
  seed?: number;
}

export class CallbackEmitter<E> {
  faults: EmitterFaults = { reorder: false, duplicateNext: 0, duplicateRate: 0 };
  readonly stats: EmitterStats = { emitted: 0, attempts: 0, delivered: 0, duplicatesSent: 0, dropped: 0 };
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  private readonly random: () => number;
  private readonly retryIntervalMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: CallbackEmitterOptions<E>) {
    this.random = seededRandom(options.seed ?? 7);
    this.retryIntervalMs = options.retryIntervalMs ?? 200;
    this.maxAttempts = options.maxAttempts ?? 21;
  }

  setFaults(patch: Partial<EmitterFaults>): void {
    this.faults = { ...this.faults, ...patch };
  }

  emit(events: E[]): void {
    const batch = this.faults.reorder ? [...events].reverse() : events;
    for (const event of batch) {
      this.stats.emitted += 1;
      const p = this.deliver(event).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /** Resolves when every emitted event was delivered or dropped. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  close(): void {
    this.closed = true;
    for (const [t, wake] of this.timers) {
      clearTimeout(t);
      wake();
    }
    this.timers.clear();
  }

  private async deliver(event: E): Promise<void> {
    let duplicate = false;
    if (this.faults.duplicateNext > 0) {
      this.faults.duplicateNext -= 1;
      duplicate = true;
    } else if (this.faults.duplicateRate > 0 && this.random() < this.faults.duplicateRate) duplicate = true;

    for (let attempt = 1; attempt <= this.maxAttempts && !this.closed; attempt += 1) {
      this.stats.attempts += 1;
      let ok = false;
      try {
        ok = await this.options.send(event);
      } catch {
        ok = false;
      }
      if (ok) {
        this.stats.delivered += 1;
        if (duplicate && !this.closed) {
          this.stats.duplicatesSent += 1;
          this.stats.attempts += 1;
          await this.options.send(event).catch(() => false);
        }
        return;
      }
      await this.sleep(this.retryIntervalMs);
    }
    if (!this.closed) this.stats.dropped += 1;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }
}
