import { readFileSync } from 'node:fs';
import { parseConfig, type GatewayConfig } from '../../src/config/config.js';
import { Gateway, type GatewayMode } from '../../src/gateway.js';
import { createLogger } from '../../src/logging/logger.js';
import { createLandSimulator, type LandSimulator } from '../../src/simulators/land/index.js';
import { createPortalSimulator, type PortalSimulator } from '../../src/simulators/portal/index.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './redis.js';

export const FEED_KEY = 'feed-key-for-tests-0001';
export const LAND_KEY = 'land-key-for-tests-0001';
export const SECURITY_CODE = 'Xk29Qm7Lp4Tz';
export const PORTAL_USER = 'lienthong_h40';
export const PORTAL_PASSWORD = 'Example-Passw0rd';
export const OPERATOR_TOKEN = 'operator-token-for-tests';

/** Environment the secret references of the test config point at. */
export const TEST_ENV: Record<string, string> = {
  LT_FEED_KEY: FEED_KEY,
  LT_LAND_KEY: LAND_KEY,
  LT_LAND_CODE: SECURITY_CODE,
  LT_PORTAL_PASSWORD: PORTAL_PASSWORD,
};

export function specExample<T = unknown>(path: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../shared/specs/examples/${path}`, import.meta.url), 'utf8'),
  ) as T;
}

export interface StackOptions {
  name: string;
  mode?: GatewayMode;
  /** Merged into the raw config before validation. */
  patch?: (raw: Record<string, unknown>) => void;
  startGateway?: boolean;
  /** Where the gateway's log lines go (default: stdout, silent unless LIENTHONG_TEST_LOG). */
  logLines?: string[];
}

export interface Stack {
  land: LandSimulator;
  portal: PortalSimulator;
  gateway: Gateway | null;
  config: GatewayConfig;
  rawConfig: Record<string, unknown>;
  prefix: string;
  gatewayUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the land and portal simulators on loopback and a gateway in this process, on a Redis key
 * prefix of its own. Timings are shortened so tests run in seconds; nothing else is faked.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const prefix = uniquePrefix(opts.name);
  const land = createLandSimulator({ apiKey: LAND_KEY, retryIntervalMs: 100, callbackTimeoutMs: 3000 });
  const portal = createPortalSimulator({
    username: PORTAL_USER,
    password: PORTAL_PASSWORD,
    feedKey: FEED_KEY,
    feedRetryIntervalMs: 200,
    feedMaxAttempts: 20,
    feedTimeoutMs: 5000,
  });
  const landUrl = await land.start();
  const portalUrl = await portal.start();
  const raw: Record<string, unknown> = {
    redis: { url: REDIS_URL, prefix },
    http: { host: '127.0.0.1', port: 0 },
    feed: { key: { env: 'LT_FEED_KEY' } },
    operators: [{ name: 'ops', tokenSha256: sha256(OPERATOR_TOKEN), role: 'operator' }],
    portal: {
      baseUrl: portalUrl,
      username: PORTAL_USER,
      password: { env: 'LT_PORTAL_PASSWORD' },
      madonvi: 'H40.22',
      timeoutMs: 3000,
      reorderWindowMs: 150,
      retry: { attempts: 20, backoffMs: 50, maxBackoffMs: 500 },
      rateLimit: { max: 1000, durationMs: 1000 },
    },
    systems: {
      land: {
        baseUrl: landUrl,
        apiKey: { env: 'LT_LAND_KEY' },
        tinhId: 40,
        callbackSecurityCode: { env: 'LT_LAND_CODE' },
        timeoutMs: 2000,
        retry: { attempts: 8, backoffMs: 50, maxBackoffMs: 500 },
        breaker: {
          errorThresholdPercentage: 50,
          volumeThreshold: 3,
          rollingCountTimeoutMs: 5000,
          resetTimeoutMs: 1000,
        },
        rateLimit: { max: 1000, durationMs: 1000 },
      },
    },
    workers: { concurrency: 8, lockDurationMs: 3000, stalledIntervalMs: 1000, shutdownGraceMs: 2000 },
    log: { level: process.env.LIENTHONG_TEST_LOG ?? 'silent' },
  };
  opts.patch?.(raw);
  const config = parseConfig(raw, { env: TEST_ENV, readFile: (p) => readFileSync(p, 'utf8') });
  let gateway: Gateway | null = null;
  let gatewayUrl = '';
  if (opts.startGateway !== false) {
    const lines = opts.logLines;
    const log = lines
      ? createLogger('debug', { test: opts.name }, { write: (s: string) => void lines.push(s) })
      : createLogger(config.log.level, { test: opts.name });
    gateway = new Gateway(config, opts.mode ?? 'all', log);
    await gateway.start();
    gatewayUrl = gateway.url ?? '';
    land.setCallbackTarget(`${gatewayUrl}/callbacks/land`, SECURITY_CODE);
    portal.setFeedTarget(`${gatewayUrl}/v1/portal/feed`, FEED_KEY);
  }
  return {
    land,
    portal,
    gateway,
    config,
    rawConfig: raw,
    prefix,
    gatewayUrl,
    async close() {
      await gateway?.stop();
      await land.close();
      await portal.close();
      await dropPrefix(prefix);
    },
  };
}

import { createHash } from 'node:crypto';
export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
