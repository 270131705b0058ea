import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { GatewayConfig } from '../config/config.js';

export type RedisMode = 'standalone' | 'sentinel' | 'cluster';

/** What to connect to, and with which options: computed without connecting, so it can be tested. */
export type RedisConnectionPlan =
  | { mode: 'standalone'; url: string; options: RedisOptions }
  | { mode: 'sentinel'; options: RedisOptions }
  | { mode: 'cluster'; nodes: Array<{ host: string; port: number }>; options: ClusterOptions };

function redisMode(config: GatewayConfig): RedisMode {
  return (config.redis as { mode?: RedisMode }).mode ?? 'standalone';
}

/**
 * The prefix of every key the gateway writes itself (see `Keys`).
 *
 * @remarks On a Redis Cluster a MULTI or a Lua script may only touch keys of one hash slot. The
 * gateway's MULTIs join a dossier's keys (tagged `{MaHoSo}`) with global index keys (the sweeper's
 * work lists, the delivery-state indexes), so in cluster mode the whole prefix becomes one hash
 * tag, `{lt}`: Redis hashes only the first `{…}` of a key, so every gateway key lands in the same
 * slot and every MULTI/script stays legal. The cost is that one slot (one master) carries all of
 * them; at a province's volume (tens of thousands of dossiers a year, a few MB each thousand) that
 * is far within one node's reach. Standalone and sentinel keep the plain prefix, so their keys do
 * not change.
 */
export function gatewayKeyPrefix(config: GatewayConfig): string {
  const p = config.redis.prefix;
  return redisMode(config) === 'cluster' ? `{${p}}` : p;
}

/**
 * BullMQ's prefix. BullMQ's Lua scripts touch several keys of one queue, so on a cluster its
 * prefix must be a hash tag too (BullMQ's own advice). It is a tag of its own (`{lt-bull}`), so the
 * queues and the gateway's ledger can sit on different masters.
 */
export function bullPrefix(config: GatewayConfig): string {
  const p = `${config.redis.prefix}-bull`;
  return redisMode(config) === 'cluster' ? `{${p}}` : p;
}

/** Turns the configuration and the per-connection options into what ioredis is given. */
export function connectionPlan(config: GatewayConfig, base: RedisOptions): RedisConnectionPlan {
  const r = config.redis as GatewayConfig['redis'] & {
    mode?: RedisMode;
    sentinels?: ReadonlyArray<{ host: string; port: number }>;
    masterName?: string;
    sentinelPassword?: string;
    nodes?: ReadonlyArray<{ host: string; port: number }>;
  };
  const mode = r.mode ?? 'standalone';
  if (mode === 'sentinel') {
    return {
      mode,
      options: {
        ...base,
        sentinels: (r.sentinels ?? []).map((s) => ({ host: s.host, port: s.port })),
        name: r.masterName ?? 'mymaster',
        role: 'master',
        ...(r.sentinelPassword ? { sentinelPassword: r.sentinelPassword } : {}),
        // Keep asking the sentinels while none answers (a failover, a sentinel restart).
        sentinelRetryStrategy: (times: number) => Math.min(times * 200, 2000),
        // Hear +switch-master from the sentinels and reconnect to the new master at once.
        failoverDetector: true,
        // A demoted master answers writes with READONLY: reconnect (to the new master) and resend.
        reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
      },
    };
  }
  if (mode === 'cluster') {
    const { enableOfflineQueue, enableReadyCheck, retryStrategy, ...perNode } = base;
    return {
      mode,
      nodes: (r.nodes ?? []).map((n) => ({ host: n.host, port: n.port })),
      options: {
        redisOptions: perNode,
        ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
        ...(enableReadyCheck === undefined ? {} : { enableReadyCheck }),
        ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null } : {}),
        // Writes and the reads that decide on them go to masters: a replica may lag behind.
        scaleReads: 'master',
        // A failover moves slots: follow MOVED/ASK and refresh the slot map instead of failing.
        maxRedirections: 16,
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        retryDelayOnTryAgain: 200,
        slotsRefreshTimeout: 2000,
      },
    };
  }
  return { mode: 'standalone', url: r.url, options: base };
}

/**
 * Opens a connection of the configured topology.
 *
 * @remarks A `Cluster` is returned typed as `Redis`: it answers every command the gateway and
 * BullMQ use (BullMQ recognises a cluster by itself), and keeping one type spares every store and
 * processor a union. Commands without keys that must reach every node (CONFIG GET, INFO) are done
 * per master where it matters (`checkNoEviction`).
 */
export function connectRedis(config: GatewayConfig, base: RedisOptions): Redis {
  const plan = connectionPlan(config, base);
  if (plan.mode === 'cluster') return new Cluster(plan.nodes, plan.options) as unknown as Redis;
  if (plan.mode === 'sentinel') return new Redis(plan.options);
  return new Redis(plan.url, plan.options);
}

/** The masters of a cluster connection, or null for a single node (standalone, sentinel). */
export function clusterMasters(r: Redis): Redis[] | null {
  const c = r as unknown as Partial<Cluster> & { isCluster?: boolean };
  if (!c.isCluster || typeof c.nodes !== 'function') return null;
  return c.nodes('master') as unknown as Redis[];
}

/** Where Redis is, for messages (no password). */
export function describeRedisTarget(config: GatewayConfig): string {
  const plan = connectionPlan(config, {});
  if (plan.mode === 'cluster')
    return `the cluster at ${plan.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`;
  if (plan.mode === 'sentinel') {
    const s = (plan.options.sentinels ?? []).map((n) => `${n.host ?? ''}:${n.port ?? ''}`).join(', ');
    return `master "${plan.options.name ?? ''}" of the sentinels ${s}`;
  }
  return plan.url.replace(/\/\/[^@]*@/, '//***@');
}
