/**
 * Keeps one adapter's API calls under the axis' quota (§2: 20 requests per second per consumer
 * key; beyond it, 429 `900802`). A sliding window of the last `perSecond` start times: a call that
 * would be one too many in the last second waits until the oldest leaves the window.
 *
 * @remarks Other processes using the same consumer key are not counted, so a 429 can still come;
 * callers handle it (Retry-After). `perSecond` 0 disables pacing.
 */
export class RequestPacer {
  private readonly starts: number[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when a call may start; calls are admitted in the order they asked. */
  take(): Promise<void> {
    if (this.perSecond <= 0) return Promise.resolve();
    const turn = this.chain.then(() => this.admit());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async admit(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.starts.length > 0 && (this.starts[0] ?? 0) <= t - 1000) this.starts.shift();
      if (this.starts.length < this.perSecond) {
        this.starts.push(t);
        return;
      }
      const wait = (this.starts[0] ?? t) + 1000 - t;
      await new Promise((r) => setTimeout(r, Math.max(1, wait)));
    }
  }
}
