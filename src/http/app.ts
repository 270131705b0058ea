import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from '../logging/logger.js';
import { maskString } from '../logging/redact.js';
import { repoPath } from '../paths.js';
import { errorHandler, notFound } from './error-handler.js';
import { securityHeaders } from './security-headers.js';

/**
 * The express application: request ids and logging first, then the routers, then one central
 * error handler. Routes only authenticate, validate, hand over and reply.
 */
export function createApp(deps: {
  log: Logger;
  routers: express.Router[];
  /** Run after logging and security headers, before any route (the per-client rate limits). */
  guards?: RequestHandler[];
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id =
          typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      // Only id, method and a masked URL: headers carry keys, and the land securityCode is a path segment.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: maskString(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(securityHeaders());
  for (const g of deps.guards ?? []) app.use(g);
  const openapi = readFileSync(repoPath('schemas', 'openapi.json'), 'utf8');
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openapi);
  });
  for (const r of deps.routers) app.use(r);
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
