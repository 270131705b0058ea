/**
 * Shared parts of the benchmarks: arguments, the gateway's raw configuration (the pattern of
 * test/helpers/stack.ts, copied, not imported), spec feed bodies, Redis clean-up and printing.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { DossierRecord } from '../src/domain/dossier.js';

export const REDIS_URL = process.env.LIENTHONG_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const FEED_KEY = 'feed-key-for-bench-0001';
export const LAND_KEY = 'land-key-for-bench-0001';
export const SECURITY_CODE = 'Bk29Qm7Lp4Tz';
export const PORTAL_USER = 'lienthong_h40';
export const PORTAL_PASSWORD = 'Bench-Passw0rd';
export const TAX_KEY = 'tax-key-for-bench-0001';
export const DOC_KEY = 'motcua_h40_key';
export const DOC_SECRET = 'doc-secret-for-bench';

/** What the secret references of the bench config point at (handed to parseConfig, not to process.env). */
export const BENCH_ENV: Record<string, string> = {
  LT_FEED_KEY: FEED_KEY,
  LT_LAND_KEY: LAND_KEY,
  LT_LAND_CODE: SECURITY_CODE,
  LT_PORTAL_PASSWORD: PORTAL_PASSWORD,
  LT_TAX_KEY: TAX_KEY,
  LT_DOC_SECRET: DOC_SECRET,
};

// ------------------------------------------------------------------ arguments

export const argv = process.argv.slice(2);

export function flag(name: string): boolean {
  return argv.includes(name);
}

export function numArg(name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name}: expected a non-negative number`);
  return v;
}

/**
 * `LIENTHONG_BENCH_CPU_PROF=<dir>`: node's `--cpu-prof` for the process that runs the gateway
 * (`bench/profile-summary.ts <file>` reads the result). Empty when the variable is not set.
 */
export function cpuProfArgs(): string[] {
  const dir = process.env.LIENTHONG_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

// ------------------------------------------------------------------ child processes

/**
 * `waitFor(child, type, timeoutMs)` for a benchmark's child process (servers, workers): resolves
 * with the first IPC message of that type; rejects on a message `{ type: 'error', message }`, on
 * the child's exit, or after `timeoutMs`. `who` names the child in the errors.
 */
export function childWaiter<M extends { type: string }>(who: string) {
  return function waitFor<T extends M['type']>(
    child: ChildProcess,
    type: T,
    timeoutMs: number,
  ): Promise<Extract<M, { type: T }>> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (m: M): void => {
        if (m.type === type) {
          done();
          resolve(m as Extract<M, { type: T }>);
        } else if (m.type === 'error') {
          done();
          reject(new Error(`${who}: ${String((m as { message?: unknown }).message)}`));
        }
      };
      const onExit = (code: number | null): void => {
        done();
        reject(new Error(`${who} exited (${String(code)}) before '${type}'`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${who}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  };
}

// ------------------------------------------------------------------ feed bodies

export function specExample<T = unknown>(path: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../shared/specs/examples/${path}`, import.meta.url), 'utf8'),
  ) as T;
}

export interface FeedEnvelope {
  madonvi: string;
  service: string;
  isUpdating: string;
  data: DossierRecord[];
}

/** The spec's land dossier (land + tax blocks, MaTTHC 1.004227) as a feed envelope. */
export function landFeed(): FeedEnvelope {
  return specExample<FeedEnvelope>('portal/feed-land-tax.json');
}

/** The land dossier with the document block of the spec's building permit, so document takes part too. */
export function landTaxDocumentFeed(): FeedEnvelope {
  const env = landFeed();
  const doc = specExample<FeedEnvelope>('portal/feed-document.json').data[0]!;
  env.data[0]!.VanBan = structuredClone(doc.VanBan);
  return env;
}

/** A unique, valid MaHoSo ([A-Za-z0-9.-]{1,50}) per call: `H40.22-<tag>-<run>-<n>`. */
export function codeMaker(tag: string): () => string {
  const run = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let n = 0;
  return () => {
    n += 1;
    return `H40.22-${tag}-${run}-${n}`.slice(0, 50);
  };
}

/**
 * Pre-serialises the envelope once with a placeholder and fills in the code per request, so the load
 * generator spends its time sending, not in JSON.stringify.
 */
export function bodyMaker(env: FeedEnvelope, nextCode: () => string): () => string {
  const PLACEHOLDER = '@@MAHOSO@@';
  const copy = structuredClone(env);
  copy.data[0]!.MaHoSo = PLACEHOLDER;
  const [head, tail] = JSON.stringify(copy).split(PLACEHOLDER) as [string, string];
  return () => head + nextCode() + tail;
}

// ------------------------------------------------------------------ config

export interface SystemUrls {
  land: string;
  portal: string;
  tax?: string;
  document?: string;
}

export interface ConfigOptions {
  prefix: string;
  urls: SystemUrls;
  concurrency?: number;
  reorderWindowMs?: number;
  logLevel?: string;
}

/**
 * The raw configuration of a bench gateway: loopback simulators, rate limits out of the way (the
 * benchmark measures the gateway, not a vendor's quota), short timeouts, logs off.
 */
export function rawConfig(o: ConfigOptions): Record<string, unknown> {
  const fast = {
    timeoutMs: 5000,
    retry: { attempts: 8, backoffMs: 50, maxBackoffMs: 500 },
    breaker: {
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      rollingCountTimeoutMs: 5000,
      resetTimeoutMs: 1000,
    },
    rateLimit: { max: 100000, durationMs: 1000 },
  };
  const systems: Record<string, unknown> = {
    land: {
      baseUrl: o.urls.land,
      apiKey: { env: 'LT_LAND_KEY' },
      tinhId: 40,
      callbackSecurityCode: { env: 'LT_LAND_CODE' },
      ...fast,
    },
  };
  if (o.urls.tax) {
    systems.tax = { baseUrl: o.urls.tax, securityKey: { env: 'LT_TAX_KEY' }, maDviGui: 'H40.22', ...fast };
  }
  if (o.urls.document) {
    systems.document = {
      baseUrl: o.urls.document,
      consumerKey: DOC_KEY,
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
      pollIntervalMs: 60000,
      ...fast,
    };
  }
  return {
    redis: { url: REDIS_URL, prefix: o.prefix },
    // The per-credential limit (200 feed requests/s per api process by default) is a guard for a
    // province; a benchmark measures what lies behind it.
    http: { host: '127.0.0.1', port: 0, rateLimit: { enabled: false } },
    feed: { key: { env: 'LT_FEED_KEY' } },
    portal: {
      baseUrl: o.urls.portal,
      username: PORTAL_USER,
      password: { env: 'LT_PORTAL_PASSWORD' },
      madonvi: 'H40.22',
      timeoutMs: 5000,
      reorderWindowMs: o.reorderWindowMs ?? 100,
      retry: { attempts: 20, backoffMs: 50, maxBackoffMs: 500 },
      rateLimit: { max: 100000, durationMs: 1000 },
    },
    systems,
    workers: {
      concurrency: o.concurrency ?? 16,
      lockDurationMs: 30000,
      stalledIntervalMs: 15000,
      shutdownGraceMs: 2000,
    },
    log: { level: o.logLevel ?? process.env.LIENTHONG_BENCH_LOG ?? 'silent' },
  };
}

export function readSecretFile(p: string): string {
  return readFileSync(p, 'utf8');
}

// ------------------------------------------------------------------ Redis

/** A key prefix of its own per run: `bench-<name>-<pid>-<random>` (BullMQ's is `<prefix>-bull`). */
export function benchPrefix(name: string): string {
  return `bench-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** SCAN + DEL of every key of the prefixes (`p:*` and BullMQ's `p-bull:*`); returns how many went. */
export async function dropPrefixes(prefixes: readonly string[], url = REDIS_URL): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    await r.connect();
    for (const prefix of prefixes) {
      for (const pattern of [`${prefix}:*`, `${prefix}-bull:*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) deleted += await r.del(...keys);
        } while (cursor !== '0');
      }
    }
  } finally {
    r.disconnect();
  }
  return deleted;
}

/**
 * The Redis server's `total_commands_processed` (INFO stats). The delta around a phase, divided by
 * the work done, is the Redis cost per unit — counted on the whole server, so other clients add noise.
 */
export async function redisCommandsProcessed(url = REDIS_URL): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const info = await r.info('stats');
    const m = /total_commands_processed:(\d+)/.exec(info);
    return m ? Number(m[1]) - 1 : 0; // minus this INFO itself
  } finally {
    r.disconnect();
  }
}

// ------------------------------------------------------------------ printing

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(a: number, b: number): string {
  if (!(b > 0)) return 'n/a';
  const r = a / b;
  return `${r.toFixed(r < 0.1 ? 3 : 2)}x`;
}
