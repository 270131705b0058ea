import http from 'node:http';
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import type { FeedDelivery, FeedFaults, FeedStats } from './types.js';

/**
 * The portal's dossier feed delivery (portal.md §4.3): per dossier one version at a time, in the
 * order handed in; up to `concurrency` dossiers in parallel; each version retried every
 * `retryIntervalMs` up to `maxAttempts` attempts, then marked failed and the next version goes.
 * Every attempt of a version sends the same bytes.
 *
 * @remarks The shared CallbackEmitter retries each event independently (events may overtake each
 * other) and offers a reorder fault; the portal guarantees per-dossier order, so this pusher keeps
 * its own ordered queues. Its duplicate faults follow the emitter's semantics.
 */
export interface FeedPusherOptions {
  url?: string;
  key: string;
  retryIntervalMs: number;
  maxAttempts: number;
  timeoutMs: number;
  concurrency: number;
  random: () => number;
}

interface Version extends FeedDelivery {
  resolve: (d: FeedDelivery) => void;
}

export class FeedPusher {
  faults: FeedFaults = { duplicateNext: 0, duplicateRate: 0 };
  readonly stats: FeedStats = { versions: 0, attempts: 0, delivered: 0, failed: 0, duplicatesSent: 0 };
  url: string | undefined;
  key: string;
  private readonly log: Version[] = [];
  private readonly queues = new Map<string, Version[]>();
  private readonly waiting: string[] = [];
  private readonly active = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly inflight = new Set<ClientRequest>();
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  private nextId = 1;

  constructor(private readonly options: FeedPusherOptions) {
    this.url = options.url;
    this.key = options.key;
  }

  setFaults(patch: Partial<FeedFaults>): void {
    this.faults = { ...this.faults, ...patch };
  }

  /** Queues one version; resolves when it was delivered, failed finally, or the simulator closed. */
  enqueue(
    maHoSo: string,
    isUpdating: 'True' | 'False',
    body: string,
    reason: string,
  ): { id: number; done: Promise<FeedDelivery> } {
    if (!this.url)
      throw new Error('portal simulator: no feed URL configured (options.feedUrl or setFeedTarget)');
    if (this.closed) throw new Error('portal simulator: closed');
    let resolve: (d: FeedDelivery) => void = () => undefined;
    const done = new Promise<FeedDelivery>((r) => (resolve = r));
    const v: Version = {
      id: this.nextId++,
      maHoSo,
      isUpdating,
      reason,
      body,
      status: 'queued',
      attempts: 0,
      deliveries: 0,
      resolve,
    };
    this.stats.versions += 1;
    this.log.push(v);
    const q = this.queues.get(maHoSo) ?? [];
    q.push(v);
    this.queues.set(maHoSo, q);
    if (!this.active.has(maHoSo) && !this.waiting.includes(maHoSo)) this.waiting.push(maHoSo);
    this.pump();
    return { id: v.id, done };
  }

  /** Snapshot of every version handed in, oldest first (optionally of one dossier). */
  deliveries(maHoSo?: string): FeedDelivery[] {
    return this.log.filter((v) => maHoSo === undefined || v.maHoSo === maHoSo).map(snapshot);
  }

  /** Resolves when no version is queued or being sent. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Aborts in-flight attempts and waits, resolves pending versions as `aborted`. */
  close(): void {
    this.closed = true;
    for (const req of this.inflight) req.destroy(new Error('simulator closed'));
    this.inflight.clear();
    for (const [t, wake] of this.sleepers) {
      clearTimeout(t);
      wake();
    }
    this.sleepers.clear();
    for (const q of this.queues.values()) for (const v of q.splice(0)) this.finish(v, 'aborted');
    this.waiting.length = 0;
  }

  /** Forgets the delivery log (used by the simulator's reset; does not stop running deliveries). */
  clearLog(): void {
    this.log.length = 0;
    Object.assign(this.stats, { versions: 0, attempts: 0, delivered: 0, failed: 0, duplicatesSent: 0 });
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.options.concurrency && this.waiting.length > 0) {
      const maHoSo = this.waiting.shift() as string;
      this.active.add(maHoSo);
      const p = this.drain(maHoSo).finally(() => {
        this.running.delete(p);
        this.pump();
      });
      this.running.add(p);
    }
  }

  /**
   * Sends the dossier's versions one after another. The final emptiness check and the release of
   * the dossier happen in the same tick, so a version enqueued meanwhile is either picked up here
   * or finds the dossier inactive and queues it for `pump` — never stranded.
   */
  private async drain(maHoSo: string): Promise<void> {
    for (;;) {
      const v = this.closed ? undefined : this.queues.get(maHoSo)?.shift();
      if (!v) break;
      await this.deliver(v);
    }
    if (this.queues.get(maHoSo)?.length === 0) this.queues.delete(maHoSo);
    this.active.delete(maHoSo);
  }

  private async deliver(v: Version): Promise<void> {
    v.status = 'sending';
    let duplicate = false;
    if (this.faults.duplicateNext > 0) {
      this.faults.duplicateNext -= 1;
      duplicate = true;
    } else if (this.faults.duplicateRate > 0 && this.options.random() < this.faults.duplicateRate)
      duplicate = true;

    const bytes = Buffer.from(v.body, 'utf8');
    for (let attempt = 1; attempt <= this.options.maxAttempts && !this.closed; attempt += 1) {
      v.attempts += 1;
      this.stats.attempts += 1;
      if (await this.attempt(v, bytes)) {
        this.stats.delivered += 1;
        if (duplicate && !this.closed) {
          this.stats.duplicatesSent += 1;
          await this.attempt(v, bytes);
        }
        this.finish(v, 'delivered');
        return;
      }
      if (attempt < this.options.maxAttempts) await this.sleep(this.options.retryIntervalMs);
    }
    if (this.closed) this.finish(v, 'aborted');
    else {
      this.stats.failed += 1;
      this.finish(v, 'failed');
    }
  }

  private finish(v: Version, status: FeedDelivery['status']): void {
    v.status = status;
    v.resolve(snapshot(v));
  }

  /** One POST; true on a 2xx received completely within the timeout. */
  private async attempt(v: Version, bytes: Buffer): Promise<boolean> {
    try {
      const status = await this.post(bytes);
      v.lastStatusCode = status;
      delete v.lastError;
      const ok = status >= 200 && status < 300;
      if (ok) v.deliveries += 1;
      return ok;
    } catch (err) {
      v.lastError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  private post(bytes: Buffer): Promise<number> {
    const url = new URL(this.url as string);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const req = client.request(url, {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': bytes.length,
          'X-MotCua-Key': this.key,
        },
      });
      const timer = setTimeout(
        () => req.destroy(new Error('no response within timeout')),
        this.options.timeoutMs,
      );
      this.inflight.add(req);
      req.on('close', () => this.inflight.delete(req));
      req.on('error', (err) => settle(() => reject(err)));
      req.on('response', (res) => {
        res.on('error', (err) => settle(() => reject(err)));
        res.on('end', () => settle(() => resolve(res.statusCode ?? 0)));
        res.on('close', () => settle(() => reject(new Error('response incomplete'))));
        res.resume();
      });
      req.end(bytes);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleepers.delete(t);
        resolve();
      }, ms);
      this.sleepers.set(t, resolve);
    });
  }
}

function snapshot(v: Version): FeedDelivery {
  const { resolve: _resolve, ...rest } = v;
  return { ...rest };
}
