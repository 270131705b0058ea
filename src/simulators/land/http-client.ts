import http from 'node:http';
import https from 'node:https';

export interface HttpResult {
  status: number;
  body: Buffer;
}

/**
 * The land system's outbound HTTP (callbacks, background attachment downloads) on dedicated
 * agents, so `close()` can abort whatever is in flight and leave no socket or timer behind.
 */
export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly inflight = new Set<{ controller: AbortController; done: Promise<unknown> }>();
  private closed = false;

  /** `maxSockets` 1 sends queued requests one after another on one connection (strict order). */
  constructor(maxSockets = Infinity) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  }

  request(
    method: 'GET' | 'POST',
    url: string,
    init: { body?: string; headers?: Record<string, string>; timeoutMs: number; maxBytes?: number },
  ): Promise<HttpResult> {
    if (this.closed) return Promise.reject(new Error('simulator closed'));
    const controller = new AbortController();
    const entry = { controller, done: Promise.resolve() as Promise<unknown> };
    const done = new Promise<HttpResult>((resolve, reject) => {
      const target = new URL(url);
      const isHttps = target.protocol === 'https:';
      const headers: Record<string, string | number> = { ...init.headers };
      if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
      const timer = setTimeout(
        () => controller.abort(new Error(`no response within ${init.timeoutMs} ms`)),
        init.timeoutMs,
      );
      const finish = (err: Error | undefined, result?: HttpResult) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result as HttpResult);
      };
      const req = (isHttps ? https : http).request(
        target,
        { method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent, signal: controller.signal },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (init.maxBytes !== undefined && size > init.maxBytes) {
              res.destroy(new Error('response too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () =>
            finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks) }),
          );
          res.on('error', (e) => finish(e));
          res.on('close', () => {
            if (!res.complete) finish(new Error('response aborted'));
          });
        },
      );
      req.on('error', (e) => finish(e));
      req.end(init.body);
    });
    entry.done = done.catch(() => undefined);
    this.inflight.add(entry);
    void entry.done.then(() => this.inflight.delete(entry));
    return done;
  }

  /** Aborts every request in flight, waits until they settled and closes the pooled sockets. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.inflight];
    for (const e of pending) e.controller.abort(new Error('simulator closed'));
    await Promise.allSettled(pending.map((e) => e.done));
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
