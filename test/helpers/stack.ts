import { readFileSync } from 'node:fs';
import { parseConfig, type GatewayConfig } from '../../src/config/config.js';
import { Gateway, type GatewayMode } from '../../src/gateway.js';
import { createLogger } from '../../src/logging/logger.js';
import {
  startWorld,
  WORLD_SECRETS,
  WORLD_USERS,
  type BhxhSim,
  type CivilSim,
  type DocumentSim,
  type TaxSim,
} from '../../src/simulators/world.js';
import type { LandSimulator } from '../../src/simulators/land/index.js';
import type { PortalSimulator } from '../../src/simulators/portal/index.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './redis.js';

export { EXAMPLE_NOW } from '../../src/simulators/world.js';
export const FEED_KEY: string = WORLD_SECRETS.LT_FEED_KEY;
export const LAND_KEY: string = WORLD_SECRETS.LT_LAND_KEY;
export const SECURITY_CODE: string = WORLD_SECRETS.LT_LAND_CODE;
export const PORTAL_USER: string = WORLD_USERS.portal;
export const PORTAL_PASSWORD: string = WORLD_SECRETS.LT_PORTAL_PASSWORD;
export const TAX_KEY: string = WORLD_SECRETS.LT_TAX_KEY;
export const CIVIL_CLIENT: string = WORLD_USERS.civilClient;
export const CIVIL_SECRET: string = WORLD_SECRETS.LT_CIVIL_SECRET;
export const BHXH_USER: string = WORLD_USERS.bhxh;
export const BHXH_PASSWORD: string = WORLD_SECRETS.LT_BHXH_PASSWORD;
export const BHXH_CB_USER: string = WORLD_USERS.bhxhCallback;
export const BHXH_CB_PASSWORD: string = WORLD_SECRETS.LT_BHXH_CB_PASSWORD;
export const DOC_KEY: string = WORLD_USERS.docKey;
export const DOC_SECRET: string = WORLD_SECRETS.LT_DOC_SECRET;
export const OPERATOR_TOKEN: string = WORLD_USERS.operatorToken;

/** Environment the secret references of the test config point at. */
export const TEST_ENV: Record<string, string> = { ...WORLD_SECRETS };

export function specExample<T = unknown>(path: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../shared/specs/examples/${path}`, import.meta.url), 'utf8'),
  ) as T;
}

export interface StackOptions {
  name: string;
  mode?: GatewayMode;
  /** Changes the raw config before validation. */
  patch?: (raw: Record<string, unknown>) => void;
  startGateway?: boolean;
  /** Where the gateway's log lines go (default: stdout, silent unless LIENTHONG_TEST_LOG). */
  logLines?: string[];
  /** 'land' (default): portal and land only; 'all': the five systems. */
  systems?: 'land' | 'all';
}

export interface Stack {
  land: LandSimulator;
  portal: PortalSimulator;
  civil: CivilSim | null;
  tax: TaxSim | null;
  bhxh: BhxhSim | null;
  doc: DocumentSim | null;
  gateway: Gateway | null;
  config: GatewayConfig;
  rawConfig: Record<string, unknown>;
  prefix: string;
  gatewayUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the simulated world on loopback and a gateway in this process, on a Redis key prefix of
 * its own. Timings are shortened so tests run in seconds; nothing else is faked.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const prefix = uniquePrefix(opts.name);
  const world = await startWorld({
    systems: opts.systems ?? 'land',
    redisUrl: REDIS_URL,
    prefix,
    pace: 'test',
    logLevel: process.env.LIENTHONG_TEST_LOG ?? 'silent',
  });
  const raw = world.rawConfig;
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
    world.connect(gatewayUrl);
  }
  return {
    land: world.land,
    portal: world.portal,
    civil: world.civil,
    tax: world.tax,
    bhxh: world.bhxh,
    doc: world.doc,
    gateway,
    config,
    rawConfig: raw,
    prefix,
    gatewayUrl,
    async close() {
      await gateway?.stop();
      await world.close();
      await dropPrefix(prefix);
    },
  };
}
