import express, { type Router } from 'express';
import type { SystemId } from '../domain/system-event.js';

/**
 * Times every inbound call from a system (`/callbacks/<system>/…`) from its arrival to the end of
 * the answer, and reports it with the system and the HTTP status. Placed before the systems'
 * inbound routers; it only listens, it never answers.
 */
export function callbackTiming(deps: {
  systems: readonly SystemId[];
  observe: (system: SystemId, statusCode: number, ms: number) => void;
}): Router {
  const known = new Set<string>(deps.systems);
  const r = express.Router();
  r.use('/callbacks', (req, res, next) => {
    const system = req.path.split('/')[1] ?? '';
    if (known.has(system)) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        deps.observe(system as SystemId, res.statusCode, Number(process.hrtime.bigint() - started) / 1e6);
      });
    }
    next();
  });
  return r;
}
