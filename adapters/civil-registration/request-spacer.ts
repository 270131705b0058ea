import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Keeps this process under the system's rate limit (civil-registration.md §1: 10 requests per
 * second per client_id over every `/api/hotich/*` endpoint together) by giving each request a time
 * slot. Spacing requests evenly, instead of bursting and then waiting, also keeps a sliding
 * one-second window on the server side from ever seeing more than the limit.
 *
 * @remarks A 10 % margin on the interval absorbs the jitter between when we send and when the
 * server counts. Several worker processes share one client_id, so a 429 can still happen; it is
 * handled (Retry-After) where it arrives.
 */
const SAFETY = 1.1;

export class RequestSpacer {
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(maxRequestsPerSecond: number) {
    this.intervalMs = maxRequestsPerSecond > 0 ? (1000 / maxRequestsPerSecond) * SAFETY : 0;
  }

  /** Resolves when the caller may send its request. */
  async take(signal?: AbortSignal): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await sleep(slot - now, undefined, signal ? { signal } : undefined);
  }
}
