import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface HeaderSpy {
  url: string;
  /** Where requests are forwarded; set once the simulator behind it is known. */
  target: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A loopback pass-through in front of a simulator that does not record headers: it notes each
 * request's method, path and headers, then forwards it unchanged and streams the answer back.
 */
export async function startHeaderSpy(): Promise<HeaderSpy> {
  const spy: HeaderSpy = { url: '', target: '', seen: [], close: async () => undefined };
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    spy.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const target = new URL(req.url ?? '/', spy.target);
    const upstream = http.request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  spy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  spy.close = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return spy;
}
