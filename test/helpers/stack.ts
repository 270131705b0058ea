import { readFileSync } from 'node:fs';
import { parseConfig, type GatewayConfig } from '../../src/config/config.js';
import { Gateway, type GatewayMode } from '../../src/gateway.js';
import { createLogger } from '../../src/logging/logger.js';
import { createLandSimulator, type LandSimulator } from '../../src/simulators/land/index.js';
import { createPortalSimulator, type PortalSimulator } from '../../src/simulators/portal/index.js';
import { createCivilRegistrationSimulator } from '../../src/simulators/civil-registration/index.js';
import { createTaxSimulator } from '../../src/simulators/tax/index.js';
import { createSocialInsuranceSimulator } from '../../src/simulators/social-insurance/index.js';
import { createDocumentSimulator } from '../../src/simulators/document/index.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from './redis.js';

export const FEED_KEY = 'feed-key-for-tests-0001';
export const LAND_KEY = 'land-key-for-tests-0001';
export const SECURITY_CODE = 'Xk29Qm7Lp4Tz';
export const PORTAL_USER = 'lienthong_h40';
export const PORTAL_PASSWORD = 'Example-Passw0rd';
export const OPERATOR_TOKEN = 'operator-token-for-tests';
export const CIVIL_CLIENT = 'motcua_h40';
export const CIVIL_SECRET = 'civil-secret-for-tests';
export const TAX_KEY = 'tax-key-for-tests-0001';
export const BHXH_USER = 'lienthong_bhxh';
export const BHXH_PASSWORD = 'bhxh-password-for-tests';
export const BHXH_CB_USER = 'bhxh_callback';
export const BHXH_CB_PASSWORD = 'bhxh-callback-password';
export const DOC_KEY = 'motcua_h40_key';
export const DOC_SECRET = 'doc-secret-for-tests';
/** BHXH checks dates against its clock; the spec's example dossiers are of 5 November 2025. */
export const EXAMPLE_NOW = new Date('2025-11-05T09:00:00+07:00');

/** Environment the secret references of the test config point at. */
export const TEST_ENV: Record<string, string> = {
  LT_FEED_KEY: FEED_KEY,
  LT_LAND_KEY: LAND_KEY,
  LT_LAND_CODE: SECURITY_CODE,
  LT_PORTAL_PASSWORD: PORTAL_PASSWORD,
  LT_CIVIL_SECRET: CIVIL_SECRET,
  LT_TAX_KEY: TAX_KEY,
  LT_BHXH_PASSWORD: BHXH_PASSWORD,
  LT_BHXH_CB_PASSWORD: BHXH_CB_PASSWORD,
  LT_DOC_SECRET: DOC_SECRET,
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
  /** 'land' (default): portal and land only; 'all': the five systems. */
  systems?: 'land' | 'all';
}

export type CivilSim = ReturnType<typeof createCivilRegistrationSimulator>;
export type TaxSim = ReturnType<typeof createTaxSimulator>;
export type BhxhSim = ReturnType<typeof createSocialInsuranceSimulator>;
export type DocumentSim = ReturnType<typeof createDocumentSimulator>;

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
  const all = opts.systems === 'all';
  const civil = all
    ? createCivilRegistrationSimulator({
        clientId: CIVIL_CLIENT,
        clientSecret: CIVIL_SECRET,
        rateLimitPerSecond: 0,
      })
    : null;
  const tax = all
    ? createTaxSimulator({
        securityKey: TAX_KEY,
        pushSecurityKey: TAX_KEY,
        unitCodes: ['H40.22'],
        retryIntervalMs: 150,
        maxAttempts: 20,
        pushTimeoutMs: 3000,
      })
    : null;
  const bhxh = all
    ? createSocialInsuranceSimulator({
        credentials: { username: BHXH_USER, password: BHXH_PASSWORD },
        callbackCredentials: { username: BHXH_CB_USER, password: BHXH_CB_PASSWORD },
        autoRegisterPersons: true,
        now: () => EXAMPLE_NOW,
        callbackRetryIntervalMs: 150,
        callbackMaxAttempts: 20,
        callbackTimeoutMs: 3000,
      })
    : null;
  const doc = all
    ? createDocumentSimulator({ consumerKey: DOC_KEY, consumerSecret: DOC_SECRET, quotaPerSecond: 0 })
    : null;
  const civilUrl = civil ? await civil.start() : '';
  const taxUrl = tax ? await tax.start() : '';
  const bhxhUrl = bhxh ? await bhxh.start() : '';
  const docUrl = doc ? await doc.start() : '';
  const fast = {
    timeoutMs: 2000,
    retry: { attempts: 8, backoffMs: 50, maxBackoffMs: 500 },
    breaker: {
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      rollingCountTimeoutMs: 5000,
      resetTimeoutMs: 1000,
    },
    rateLimit: { max: 1000, durationMs: 1000 },
  };
  const more: Record<string, unknown> = all
    ? {
        'civil-registration': {
          baseUrl: civilUrl,
          clientId: CIVIL_CLIENT,
          clientSecret: { env: 'LT_CIVIL_SECRET' },
          pollIntervalMs: 300,
          ...fast,
        },
        tax: { baseUrl: taxUrl, securityKey: { env: 'LT_TAX_KEY' }, maDviGui: 'H40.22', ...fast },
        'social-insurance': {
          baseUrl: bhxhUrl,
          username: BHXH_USER,
          password: { env: 'LT_BHXH_PASSWORD' },
          callbackUsername: BHXH_CB_USER,
          callbackPassword: { env: 'LT_BHXH_CB_PASSWORD' },
          ...fast,
        },
        document: {
          baseUrl: docUrl,
          consumerKey: DOC_KEY,
          consumerSecret: { env: 'LT_DOC_SECRET' },
          organId: '000.00.22.H40',
          organName: 'Trung tâm Phục vụ hành chính công tỉnh Nghệ An',
          place: 'Nghệ An',
          dossierSigner: {
            Competence: 'TM. ỦY BAN NHÂN DÂN',
            Position: 'Chủ tịch',
            FullName: 'Nguyễn Văn A',
          },
          apologyAgencies: {
            default: {
              receivers: [{ OrganId: '000.12.12.H40', OrganName: 'Văn phòng đăng ký đất đai tỉnh Nghệ An' }],
            },
          },
          maxRequestsPerSecond: 0,
          pollIntervalMs: 300,
          ...fast,
        },
      }
    : {};
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
      ...more,
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
    tax?.setPushTargets({
      noticeUrl: `${gatewayUrl}/callbacks/tax/thongbaothue`,
      paymentUrl: `${gatewayUrl}/callbacks/tax/xacnhannopthue`,
    });
    bhxh?.setCallbackTarget({
      url: `${gatewayUrl}/callbacks/social-insurance`,
      username: BHXH_CB_USER,
      password: BHXH_CB_PASSWORD,
    });
  }
  return {
    land,
    portal,
    civil,
    tax,
    bhxh,
    doc,
    gateway,
    config,
    rawConfig: raw,
    prefix,
    gatewayUrl,
    async close() {
      await gateway?.stop();
      await land.close();
      await portal.close();
      await Promise.all([civil?.close(), tax?.close(), bhxh?.close(), doc?.close()]);
      await dropPrefix(prefix);
    },
  };
}

import { createHash } from 'node:crypto';
export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
