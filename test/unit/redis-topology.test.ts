import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type GatewayConfig } from '../../src/config/config.js';
import { Breakers } from '../../src/delivery/breakers.js';
import { createLogger } from '../../src/logging/logger.js';
import { redisOptions } from '../../src/store/redis.js';
import {
  bullPrefix,
  connectionPlan,
  describeRedisTarget,
  gatewayKeyPrefix,
} from '../../src/store/redis-topology.js';

const source = {
  env: {
    PW: 'secret-pw',
    KEY: 'land-key',
    CODE: 'Code1234',
    FEED: 'feed',
    RPW: 'redis-pw',
    SPW: 'sentinel-pw',
  },
  readFile: (): string => {
    throw Object.assign(new Error('no'), { code: 'ENOENT' });
  },
};

function config(redis: Record<string, unknown>): GatewayConfig {
  return parseConfig(
    {
      redis,
      feed: { key: { env: 'FEED' } },
      portal: { baseUrl: 'http://127.0.0.1:8081', username: 'u', password: { env: 'PW' }, madonvi: 'H40.22' },
      systems: {
        land: {
          baseUrl: 'http://127.0.0.1:8082',
          apiKey: { env: 'KEY' },
          tinhId: 40,
          callbackSecurityCode: { env: 'CODE' },
          breaker: { resetTimeoutMs: 5000 },
        },
      },
    },
    source,
  );
}

function problems(redis: Record<string, unknown>): string[] {
  try {
    config(redis);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('Redis topologies from the configuration', () => {
  it('When no mode is given, then it is one Redis at the URL, with the plain prefixes of before', () => {
    const c = config({ url: 'redis://10.0.0.5:6380', password: { env: 'RPW' } });
    const plan = connectionPlan(c, redisOptions(c, 'store'));
    expect(plan.mode).toBe('standalone');
    if (plan.mode !== 'standalone') return;
    expect(plan.url).toBe('redis://10.0.0.5:6380');
    expect(plan.options.password).toBe('redis-pw');
    expect(plan.options.enableOfflineQueue).toBe(false);
    expect(gatewayKeyPrefix(c)).toBe('lt');
    expect(bullPrefix(c)).toBe('lt-bull');
  });

  it('When the mode is sentinel, then ioredis is given the sentinels, the master name, both passwords and asks for the master', () => {
    const c = config({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'lienthong',
      password: { env: 'RPW' },
      sentinelPassword: { env: 'SPW' },
    });
    const plan = connectionPlan(c, redisOptions(c, 'bullmq'));
    expect(plan.mode).toBe('sentinel');
    const o = plan.options as Record<string, unknown>;
    expect(o.sentinels).toEqual([
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
    ]);
    expect(o.name).toBe('lienthong');
    expect(o.role).toBe('master');
    expect(o.password).toBe('redis-pw');
    expect(o.sentinelPassword).toBe('sentinel-pw');
    expect(o.failoverDetector).toBe(true);
    expect(o.maxRetriesPerRequest).toBeNull();
    const reconnect = o.reconnectOnError as (e: Error) => unknown;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnect(new Error('ERR other'))).toBe(false);
    expect(gatewayKeyPrefix(c)).toBe('lt');
    expect(describeRedisTarget(c)).toBe('master "lienthong" of the sentinels s1:26379, s2:26379');
  });

  it('When the mode is cluster, then ioredis is given the nodes, per-node options, and every key gets a hash tag', () => {
    const c = config({
      mode: 'cluster',
      nodes: [{ host: 'r1', port: 7000 }],
      password: { env: 'RPW' },
      prefix: 'h40',
    });
    const plan = connectionPlan(c, redisOptions(c, 'store'));
    expect(plan.mode).toBe('cluster');
    if (plan.mode !== 'cluster') return;
    expect(plan.nodes).toEqual([{ host: 'r1', port: 7000 }]);
    expect(plan.options.redisOptions?.password).toBe('redis-pw');
    expect(plan.options.redisOptions?.commandTimeout).toBe(2000);
    expect(plan.options.enableOfflineQueue).toBe(false);
    expect(plan.options.scaleReads).toBe('master');
    expect(typeof plan.options.clusterRetryStrategy).toBe('function');
    expect(gatewayKeyPrefix(c)).toBe('{h40}');
    expect(bullPrefix(c)).toBe('{h40-bull}');
    expect(describeRedisTarget(c)).toBe('the cluster at r1:7000');
  });

  it('When sentinel or cluster mode lacks its node list, then the start is refused naming the key', () => {
    expect(problems({ mode: 'sentinel' })).toContain('redis.sentinels: is required');
    expect(problems({ mode: 'cluster' })).toContain('redis.nodes: is required');
    expect(problems({ mode: 'cluster', nodes: [] })).toEqual([
      'redis.nodes: must NOT have fewer than 1 items',
    ]);
    expect(problems({ mode: 'ring' })[0]).toMatch(/^redis\.mode: /);
    expect(problems({ mode: 'sentinel', sentinels: [{ host: 's1', port: 26379 }] })).toEqual([]);
  });
});

describe("another worker's open breaker", () => {
  const c = config({});
  const log = createLogger('silent', {});

  it('When another worker opened the breaker until T, then this process holds the system until T without calling it, and waits what is left of T', async () => {
    const b = new Breakers(c, ['land'], log);
    b.shareOpen('land', Date.now() + 3000);
    expect(b.isOpen('land')).toBe(true);
    expect(b.states().land).toBe('open');
    let called = false;
    await expect(
      b.fire('land', async () => {
        called = true;
      }),
    ).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    expect(called).toBe(false);
    const wait = b.resetTimeoutMs('land');
    expect(wait).toBeGreaterThan(2000);
    expect(wait).toBeLessThanOrEqual(3000 + 1000);
    expect(b.configuredResetTimeoutMs('land')).toBe(5000);
    b.shutdown();
  });

  it('When the record closes or runs out, or an administrator forces the breaker closed, then calls go out again', async () => {
    const b = new Breakers(c, ['land'], log);
    b.shareOpen('land', Date.now() + 3000);
    b.shareOpen('land', undefined);
    expect(b.isOpen('land')).toBe(false);
    b.shareOpen('land', Date.now() - 1);
    expect(b.isOpen('land')).toBe(false);
    b.shareOpen('land', Date.now() + 3000);
    b.force('land', 'closed');
    expect(b.isOpen('land')).toBe(false);
    await expect(b.fire('land', async () => 'sent')).resolves.toBe('sent');
    b.force('land', undefined);
    expect(b.isOpen('land')).toBe(true);
    b.shutdown();
  });
});
