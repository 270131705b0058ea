import { createHash } from 'node:crypto';
import { createCivilRegistrationSimulator } from './civil-registration/index.js';
import { createDocumentSimulator } from './document/index.js';
import { createLandSimulator, type LandSimulator } from './land/index.js';
import { createPortalSimulator, type PortalSimulator } from './portal/index.js';
import { createSocialInsuranceSimulator } from './social-insurance/index.js';
import { createTaxSimulator } from './tax/index.js';

/**
 * The simulated world: the portal and the five systems on loopback, with credentials of their own
 * and a gateway configuration that points at them. Used by the quick-start demo, the tests and the
 * benchmarks, so all three run the gateway against the same simulators the same way.
 *
 * @remarks The credentials below are the simulators' own, invented for them; a real deployment
 * takes every secret from its environment or secret files (the config only names them).
 */
export const WORLD_SECRETS = {
  LT_FEED_KEY: 'feed-key-for-tests-0001',
  LT_LAND_KEY: 'land-key-for-tests-0001',
  LT_LAND_CODE: 'Xk29Qm7Lp4Tz',
  LT_PORTAL_PASSWORD: 'Example-Passw0rd',
  LT_CIVIL_SECRET: 'civil-secret-for-tests',
  LT_TAX_KEY: 'tax-key-for-tests-0001',
  LT_BHXH_PASSWORD: 'bhxh-password-for-tests',
  LT_BHXH_CB_PASSWORD: 'bhxh-callback-password',
  LT_DOC_SECRET: 'doc-secret-for-tests',
  /** The message log's key (32 bytes, hex): seals bodies and keys the chain (issue 9). */
  LT_MESSAGE_LOG_KEY: '6d6573736167652d6c6f672d6b65792d666f722d74657374732d303030303031',
} as const;

export const WORLD_USERS = {
  portal: 'lienthong_h40',
  civilClient: 'motcua_h40',
  bhxh: 'lienthong_bhxh',
  bhxhCallback: 'bhxh_callback',
  docKey: 'motcua_h40_key',
  operatorToken: 'operator-token-for-tests',
} as const;

/** BHXH checks dates against its clock; the spec's example dossiers are of 5 November 2025. */
export const EXAMPLE_NOW = new Date('2025-11-05T09:00:00+07:00');

export type CivilSim = ReturnType<typeof createCivilRegistrationSimulator>;
export type TaxSim = ReturnType<typeof createTaxSimulator>;
export type BhxhSim = ReturnType<typeof createSocialInsuranceSimulator>;
export type DocumentSim = ReturnType<typeof createDocumentSimulator>;

export interface WorldOptions {
  /** 'land': the portal and the land registry only; 'all': the five systems. */
  systems: 'land' | 'all';
  redisUrl: string;
  prefix: string;
  /** Timings of the gateway's own retries and windows: 'test' is fast, 'demo' is readable. */
  pace?: 'test' | 'demo';
  logLevel?: string;
  /**
   * How the simulated vendors retry their callbacks, pushes and feed versions (default: every
   * 100–500 ms, about 20 times). The fault suite widens it so that a Redis restart is outlasted,
   * as the real vendors' schedules (every 30 s to 5 min, for ten minutes to an hour) outlast it.
   */
  vendorRetry?: { intervalMs: number; maxAttempts: number };
}

export interface World {
  portal: PortalSimulator;
  land: LandSimulator;
  civil: CivilSim | null;
  tax: TaxSim | null;
  bhxh: BhxhSim | null;
  doc: DocumentSim | null;
  /** The gateway's configuration (secrets as references into `WORLD_SECRETS`). */
  rawConfig: Record<string, unknown>;
  /** Points every simulator's outbound traffic (feed, callbacks, pushes) at a running gateway. */
  connect(gatewayUrl: string): void;
  close(): Promise<void>;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export async function startWorld(o: WorldOptions): Promise<World> {
  const S = WORLD_SECRETS;
  const U = WORLD_USERS;
  const demo = o.pace === 'demo';
  const vr = o.vendorRetry;
  const land = createLandSimulator({
    apiKey: S.LT_LAND_KEY,
    retryIntervalMs: vr?.intervalMs ?? (demo ? 300 : 100),
    ...(vr ? { maxAttempts: vr.maxAttempts } : {}),
    callbackTimeoutMs: 3000,
  });
  const portal = createPortalSimulator({
    username: U.portal,
    password: S.LT_PORTAL_PASSWORD,
    feedKey: S.LT_FEED_KEY,
    feedRetryIntervalMs: vr?.intervalMs ?? (demo ? 500 : 200),
    feedMaxAttempts: vr?.maxAttempts ?? 20,
    feedTimeoutMs: 5000,
  });
  const all = o.systems === 'all';
  const civil = all
    ? createCivilRegistrationSimulator({
        clientId: U.civilClient,
        clientSecret: S.LT_CIVIL_SECRET,
        rateLimitPerSecond: 0,
      })
    : null;
  const tax = all
    ? createTaxSimulator({
        securityKey: S.LT_TAX_KEY,
        pushSecurityKey: S.LT_TAX_KEY,
        unitCodes: ['H40.22'],
        retryIntervalMs: vr?.intervalMs ?? 150,
        maxAttempts: vr?.maxAttempts ?? 20,
        pushTimeoutMs: 3000,
      })
    : null;
  const bhxh = all
    ? createSocialInsuranceSimulator({
        credentials: { username: U.bhxh, password: S.LT_BHXH_PASSWORD },
        callbackCredentials: { username: U.bhxhCallback, password: S.LT_BHXH_CB_PASSWORD },
        autoRegisterPersons: true,
        now: () => EXAMPLE_NOW,
        callbackRetryIntervalMs: vr?.intervalMs ?? 150,
        callbackMaxAttempts: vr?.maxAttempts ?? 20,
        callbackTimeoutMs: 3000,
      })
    : null;
  const doc = all
    ? createDocumentSimulator({ consumerKey: U.docKey, consumerSecret: S.LT_DOC_SECRET, quotaPerSecond: 0 })
    : null;
  const [portalUrl, landUrl, civilUrl, taxUrl, bhxhUrl, docUrl] = await Promise.all([
    portal.start(),
    land.start(),
    civil?.start() ?? '',
    tax?.start() ?? '',
    bhxh?.start() ?? '',
    doc?.start() ?? '',
  ]);
  const common = {
    timeoutMs: 2000,
    retry: { attempts: 8, backoffMs: demo ? 200 : 50, maxBackoffMs: demo ? 2000 : 500 },
    breaker: {
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      rollingCountTimeoutMs: 5000,
      resetTimeoutMs: 1000,
    },
    rateLimit: { max: 1000, durationMs: 1000 },
  };
  const systems: Record<string, unknown> = {
    land: {
      baseUrl: landUrl,
      apiKey: { env: 'LT_LAND_KEY' },
      tinhId: 40,
      callbackSecurityCode: { env: 'LT_LAND_CODE' },
      ...common,
    },
  };
  if (all) {
    systems['civil-registration'] = {
      baseUrl: civilUrl,
      clientId: U.civilClient,
      clientSecret: { env: 'LT_CIVIL_SECRET' },
      pollIntervalMs: 300,
      ...common,
    };
    systems.tax = { baseUrl: taxUrl, securityKey: { env: 'LT_TAX_KEY' }, maDviGui: 'H40.22', ...common };
    systems['social-insurance'] = {
      baseUrl: bhxhUrl,
      username: U.bhxh,
      password: { env: 'LT_BHXH_PASSWORD' },
      callbackUsername: U.bhxhCallback,
      callbackPassword: { env: 'LT_BHXH_CB_PASSWORD' },
      ...common,
    };
    systems.document = {
      baseUrl: docUrl,
      consumerKey: U.docKey,
      consumerSecret: { env: 'LT_DOC_SECRET' },
      organId: '000.00.22.H40',
      organName: 'Trung tâm Phục vụ hành chính công tỉnh Nghệ An',
      place: 'Nghệ An',
      dossierSigner: { Competence: 'TM. ỦY BAN NHÂN DÂN', Position: 'Chủ tịch', FullName: 'Nguyễn Văn A' },
      apologyAgencies: {
        default: {
          receivers: [{ OrganId: '000.12.12.H40', OrganName: 'Văn phòng đăng ký đất đai tỉnh Nghệ An' }],
        },
      },
      maxRequestsPerSecond: 0,
      pollIntervalMs: 300,
      ...common,
    };
  }
  const rawConfig: Record<string, unknown> = {
    redis: { url: o.redisUrl, prefix: o.prefix },
    http: { host: '127.0.0.1', port: 0 },
    feed: { key: { env: 'LT_FEED_KEY' } },
    operators: [{ name: 'ops', tokenSha256: sha256(U.operatorToken), role: 'operator' }],
    portal: {
      baseUrl: portalUrl,
      username: U.portal,
      password: { env: 'LT_PORTAL_PASSWORD' },
      madonvi: 'H40.22',
      timeoutMs: 3000,
      reorderWindowMs: demo ? 400 : 150,
      retry: { attempts: 20, backoffMs: 50, maxBackoffMs: 500 },
      rateLimit: { max: 1000, durationMs: 1000 },
    },
    systems,
    workers: { concurrency: 8, lockDurationMs: 3000, stalledIntervalMs: 1000, shutdownGraceMs: 2000 },
    // The spec's example dossiers are dated November 2025: with deadlines tracked every one of them
    // would be late at once. Tests of the deadline flow turn it on for themselves.
    deadlines: { enabled: false },
    log: { level: o.logLevel ?? 'silent' },
    messageLog: { key: { env: 'LT_MESSAGE_LOG_KEY' } },
    // Runs are started by the tests that look at them (POST /admin/reconciliations), not on a clock.
    reconciliation: { enabled: false },
  };
  return {
    portal,
    land,
    civil,
    tax,
    bhxh,
    doc,
    rawConfig,
    connect(url) {
      land.setCallbackTarget(`${url}/callbacks/land`, S.LT_LAND_CODE);
      portal.setFeedTarget(`${url}/v1/portal/feed`, S.LT_FEED_KEY);
      tax?.setPushTargets({
        noticeUrl: `${url}/callbacks/tax/thongbaothue`,
        paymentUrl: `${url}/callbacks/tax/xacnhannopthue`,
      });
      bhxh?.setCallbackTarget({
        url: `${url}/callbacks/social-insurance`,
        username: U.bhxhCallback,
        password: S.LT_BHXH_CB_PASSWORD,
      });
    },
    async close() {
      await Promise.all([
        portal.close(),
        land.close(),
        civil?.close(),
        tax?.close(),
        bhxh?.close(),
        doc?.close(),
      ]);
    },
  };
}
