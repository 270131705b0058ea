import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorHandler, notFound } from '../http/error-handler.js';
import { metricsRouter, type MetricsExposition } from '../http/routes/metrics.js';
import type { Logger } from '../logging/logger.js';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A listener of its own for `GET /metrics` (`metrics.port`): the only way to scrape a worker
 * process, which serves no API, and a way to keep metrics off the address the portal and the
 * systems reach. Scrapes are not logged (one every few seconds would drown the request log).
 */
export async function startMetricsServer(o: {
  host: string;
  port: number;
  token: string | undefined;
  metrics: MetricsExposition;
  log: Logger;
}): Promise<MetricsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRouter({ metrics: o.metrics, token: o.token }));
  app.use(notFound);
  app.use(errorHandler(o.log));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(o.port, o.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
