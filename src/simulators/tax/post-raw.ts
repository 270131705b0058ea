import http from 'node:http';
import https from 'node:https';

export interface RawAnswer {
  status: number;
  body: string;
}

/**
 * POSTs exact bytes without connection reuse (`agent: false`), so nothing stays open after a
 * push. Rejects on connection errors and when no complete answer arrives within `timeoutMs`.
 * `inflight` collects the live requests so the owner can cut them on close.
 */
export function postRaw(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
  inflight: Set<http.ClientRequest>,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(
      target,
      { method: 'POST', agent: false, headers: { ...headers, 'Content-Length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1_048_576) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    inflight.add(req);
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => {
      clearTimeout(timer);
      inflight.delete(req);
    });
    req.on('error', reject);
    req.end(body);
  });
}
