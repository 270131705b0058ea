import type { Request, Response, NextFunction, RequestHandler } from 'express';

/**
 * Switchable faults shared by every simulator.
 *
 * @remarks Counters ("the next N requests") make tests deterministic; rates are for the fault
 * suite, where a seeded random source keeps a run reproducible. A fault that fires *after commit*
 * applies the operation and then withholds the answer, which is the case the gateway must settle
 * with a lookup instead of sending again.
 */
export interface FaultSettings {
  /** Added to every answer, in ms. */
  latencyMs: number;
  /** Answer the next N requests with `failStatus` before applying anything. */
  failNext: number;
  failStatus: number;
  /** Share (0..1) of requests answered with `failStatus` before applying anything. */
  failRate: number;
  /** The next N mutating requests are applied, then the connection hangs until the simulator closes. */
  timeoutAfterCommitNext: number;
  /** The next N mutating requests are applied, then the connection is reset. */
  dropAfterCommitNext: number;
  /** Share (0..1) of mutating requests applied then reset. */
  dropAfterCommitRate: number;
  /** The next N requests get 429 with `retryAfterSeconds`. */
  rateLimitNext: number;
  retryAfterSeconds: number;
  /** Everything answers 503 while true. */
  down: boolean;
}

export const defaultFaults = (): FaultSettings => ({
  latencyMs: 0,
  failNext: 0,
  failStatus: 503,
  failRate: 0,
  timeoutAfterCommitNext: 0,
  dropAfterCommitNext: 0,
  dropAfterCommitRate: 0,
  rateLimitNext: 0,
  retryAfterSeconds: 1,
  down: false,
});

/** Counts what each fault did, so a test can say how many were injected. */
export type FaultCounts = Record<
  'failed' | 'timedOutAfterCommit' | 'droppedAfterCommit' | 'rateLimited',
  number
>;

/** A small deterministic PRNG (mulberry32) so fault runs can be replayed from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  settings: FaultSettings = defaultFaults();
  readonly counts: FaultCounts = { failed: 0, timedOutAfterCommit: 0, droppedAfterCommit: 0, rateLimited: 0 };
  private readonly hanging = new Set<Response>();
  private readonly random: () => number;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  set(patch: Partial<FaultSettings>): void {
    this.settings = { ...this.settings, ...patch };
  }

  reset(): void {
    this.settings = defaultFaults();
  }

  /**
   * Express middleware applied before a route: latency, outage, 429 and pre-commit failures.
   * `failBody` lets a simulator answer a failure in its own protocol (a SOAP fault, an XML envelope).
   */
  before(failBody?: (res: Response, status: number) => void): RequestHandler {
    return async (_req: Request, res: Response, next: NextFunction) => {
      const s = this.settings;
      if (s.latencyMs > 0) await new Promise((r) => setTimeout(r, s.latencyMs));
      if (s.rateLimitNext > 0) {
        s.rateLimitNext -= 1;
        this.counts.rateLimited += 1;
        res.status(429).set('Retry-After', String(s.retryAfterSeconds)).json({ error: 'rate limited' });
        return;
      }
      let fail = s.down;
      if (!fail && s.failNext > 0) {
        s.failNext -= 1;
        fail = true;
      }
      if (!fail && s.failRate > 0 && this.random() < s.failRate) fail = true;
      if (fail) {
        this.counts.failed += 1;
        const status = s.down ? 503 : s.failStatus;
        if (failBody) failBody(res, status);
        else res.status(status).type('text/plain').send('simulated failure');
        return;
      }
      next();
    };
  }

  /**
   * Called by a mutating route after it has applied its change. Returns true when the simulator
   * must not answer (the fault took the response); the route then returns without replying.
   */
  afterCommit(res: Response): boolean {
    const s = this.settings;
    if (s.timeoutAfterCommitNext > 0) {
      s.timeoutAfterCommitNext -= 1;
      this.counts.timedOutAfterCommit += 1;
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return true;
    }
    let drop = false;
    if (s.dropAfterCommitNext > 0) {
      s.dropAfterCommitNext -= 1;
      drop = true;
    } else if (s.dropAfterCommitRate > 0 && this.random() < s.dropAfterCommitRate) drop = true;
    if (drop) {
      this.counts.droppedAfterCommit += 1;
      res.socket?.destroy();
      return true;
    }
    return false;
  }

  /** Ends connections held open by timeout-after-commit faults (called on close). */
  releaseHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }
}
