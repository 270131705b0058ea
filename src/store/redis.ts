import type { Redis, RedisOptions } from 'ioredis';
import type { GatewayConfig } from '../config/config.js';
import { clusterMasters, connectRedis } from './redis-topology.js';

/**
 * Redis connections. Two kinds, on purpose:
 * - `store`: fails fast (no offline queue, a command timeout) so the intake can answer 503 at once
 *   instead of hanging when Redis is away;
 * - `bullmq`: `maxRetriesPerRequest: null`, as BullMQ workers require, so blocking commands wait
 *   through a Redis restart and workers resume by themselves (`subscriber`, for pub/sub, likewise).
 *
 * The topology (standalone, sentinel, cluster) is `redis.mode`: see `redis-topology.ts`.
 */
export function redisOptions(config: GatewayConfig, kind: 'store' | 'bullmq' | 'subscriber'): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: false,
    password: config.redis.password,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    connectionName: `lienthong-${kind}`,
  };
  if (kind === 'store') {
    return {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Concurrent requests' commands share one write to the socket: fewer round trips under load.
      enableAutoPipelining: true,
      commandTimeout: config.redis.commandTimeoutMs,
    };
  }
  return { ...common, maxRetriesPerRequest: null, enableReadyCheck: false };
}

export function createRedis(config: GatewayConfig, kind: 'store' | 'bullmq' | 'subscriber'): Redis {
  const r = connectRedis(config, redisOptions(config, kind));
  // Errors surface through the commands that fail; an unhandled 'error' event would crash the process.
  r.on('error', () => undefined);
  return r;
}

/** Resolves when the connection is ready, or rejects after `timeoutMs`. */
export async function waitReady(r: Redis, timeoutMs = 10_000): Promise<void> {
  if (r.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${r.status})`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      clearTimeout(t);
      r.off('ready', onReady);
    };
    r.on('ready', onReady);
  });
}

/**
 * BullMQ keeps jobs and our ledger keeps external effects in Redis: an evicting policy could
 * silently drop either. The gateway refuses to start unless the policy is `noeviction`.
 */
export async function checkNoEviction(r: Redis): Promise<string> {
  // On a cluster every master must say noeviction: the first one that does not is reported.
  for (const node of clusterMasters(r) ?? [r]) {
    const reply = (await node.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? 'unknown';
    if (policy !== 'noeviction') return policy;
  }
  return 'noeviction';
}
