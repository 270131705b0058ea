import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Keeps this process's calls to one system under that system's rate limit: at most `maxStarts`
 * calls start within any `windowMs` (a sliding window of the last start times), and calls are
 * admitted in the order they asked. `maxStarts` 0 disables pacing.
 *
 * @remarks Time is the monotonic clock, never an injected test clock: quotas are counted by the
 * systems in real seconds. Other processes sharing the same credentials are not counted, so a 429
 * can still come; callers handle it (Retry-After) where it arrives.
 */
export class RequestPacer {
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly maxStarts: number,
    private readonly windowMs: number,
  ) {}

  /** A quota of `perSecond` calls in any second, which may come in a burst. */
  static perSecond(perSecond: number): RequestPacer {
    return new RequestPacer(Math.max(0, perSecond), 1000);
  }

  /**
   * `perSecond` calls a second spaced evenly, one every `1000 / perSecond` ms stretched by `margin`
   * (1.1 = 10 % slower): a server counting over its own sliding second never sees a burst.
   */
  static evenlySpaced(perSecond: number, margin: number): RequestPacer {
    return perSecond > 0 ? new RequestPacer(1, (1000 / perSecond) * margin) : new RequestPacer(0, 0);
  }

  /** Resolves when a call may start. */
  take(): Promise<void> {
    if (this.maxStarts <= 0) return Promise.resolve();
    const turn = this.chain.then(() => this.admit());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async admit(): Promise<void> {
    for (;;) {
      const t = performance.now();
      while (this.starts.length > 0 && (this.starts[0] ?? 0) <= t - this.windowMs) this.starts.shift();
      if (this.starts.length < this.maxStarts) {
        this.starts.push(t);
        return;
      }
      // Timers may fire a fraction of a millisecond early: the loop checks again.
      await sleep(Math.max(1, (this.starts[0] ?? t) + this.windowMs - t));
    }
  }
}
