import express, { type Router } from 'express';
import type { Redis } from 'ioredis';
import { checkNoEviction } from '../../store/redis.js';

export interface ReadinessProbe {
  /** Worker processes connected to the queues (BullMQ client list), or null if unknown. */
  workers(): Promise<number | null>;
}

export function healthRouter(deps: { redis: Redis; probe: ReadinessProbe }): Router {
  const r = express.Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  r.get('/readyz', async (_req, res) => {
    const checks: Record<string, unknown> = {};
    let ready = true;
    try {
      await deps.redis.ping();
      const policy = await checkNoEviction(deps.redis);
      checks.redis = 'reachable';
      checks.maxmemoryPolicy = policy;
      if (policy !== 'noeviction') ready = false;
    } catch (err) {
      checks.redis = `unreachable: ${(err as Error).message}`;
      ready = false;
    }
    if (ready) {
      try {
        const n = await deps.probe.workers();
        checks.workers = n;
        if (n !== null && n < 1) ready = false;
      } catch (err) {
        checks.workers = `unknown: ${(err as Error).message}`;
        ready = false;
      }
    }
    if (!ready) res.set('Retry-After', '5');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  return r;
}
