import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkingCalendar } from '../../src/calendar/index.js';
import type { GatewayConfig } from '../../src/config/config.js';
import { readDeliveryCounts } from '../../src/dashboard/delivery-counts.js';
import type { DeliveryState } from '../../src/domain/delivery.js';
import { loadRoutingTable } from '../../src/domain/routing.js';
import type { TrangThaiHoSo } from '../../src/domain/status-machine.js';
import { SYSTEM_IDS, type SystemId } from '../../src/domain/system-event.js';
import { parsePortalDateTime } from '../../src/domain/time.js';
import { createApp } from '../../src/http/app.js';
import { dashboardRouter } from '../../src/http/routes/dashboard.js';
import { createLogger } from '../../src/logging/logger.js';
import { StoreReportSource } from '../../src/reports/report-source.js';
import { sha256Hex } from '../../src/security/constant-time.js';
import { DossierStore } from '../../src/store/dossier-store.js';
import { Keys } from '../../src/store/keys.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { seedDossier } from '../helpers/seed-dossiers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SCREENSHOT = `${ARTIFACTS}dashboard.png`;
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Debian's chromium; installed here when missing (as .ci/run does). null when that is impossible. */
function ensureChromium(): string | null {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  try {
    execFileSync('bash', ['-c', 'apt-get update -qq && apt-get install -y -qq chromium'], {
      stdio: 'ignore',
      timeout: 600_000,
    });
  } catch {
    /* not root, no network to Debian's mirror: reported below */
  }
  return existsSync(CHROMIUM) ? CHROMIUM : null;
}

const executablePath = ensureChromium();
if (!executablePath)
  console.warn(
    `dashboard browser test SKIPPED: ${CHROMIUM} is missing and "apt-get install -y chromium" failed; install Debian's chromium to run it`,
  );

const TOKEN = 'viewer-token-for-dashboard-tests';
const config = {
  operators: [{ name: 'so-noi-vu', tokenSha256: sha256Hex(TOKEN), role: 'viewer' }],
} as unknown as GatewayConfig;
const NOW = parsePortalDateTime('20251128100000')!; // Friday 28/11/2025 10:00

const LAND = 'Văn phòng đăng ký đất đai tỉnh Nghệ An';
const WARD = 'UBND phường Trường Vinh';
const TAX = 'Chi cục Thuế khu vực Bắc Trung Bộ';
const BHXH = 'Bảo hiểm xã hội tỉnh Nghệ An';

type Outcome = 'on-time' | 'late' | 'overdue' | 'open';
const TIMES: Record<Outcome, Record<string, string>> = {
  'on-time': {
    NgayTiepNhan: '20251103080000',
    NgayHenTra: '20251110170000',
    NgayKetThucXuLy: '20251107100000',
  },
  late: { NgayTiepNhan: '20251103080000', NgayHenTra: '20251110170000', NgayKetThucXuLy: '20251112100000' },
  overdue: { NgayTiepNhan: '20251110080000', NgayHenTra: '20251120170000' },
  open: { NgayTiepNhan: '20251124080000', NgayHenTra: '20251205170000' },
};
const STATUS: Record<Outcome, TrangThaiHoSo> = { 'on-time': '10', late: '9', overdue: '4', open: '4' };

/*
 * Land office 3 of 4 on time (75 %), ward 2 of 2 (100 %), tax 1 of 2 (50 %), BHXH nothing resolved
 * yet. Overdue: LAND-OD (6 working days late: 21, 24–28/11) and TAX-OD.
 */
const DOSSIERS: Array<
  [string, string, SystemId, Outcome, Array<{ system: SystemId; state: DeliveryState }>?]
> = [
  ['LAND-1', LAND, 'land', 'on-time'],
  ['LAND-2', LAND, 'land', 'on-time'],
  ['LAND-3', LAND, 'land', 'on-time', [{ system: 'land', state: 'queued' }]],
  ['LAND-4', LAND, 'land', 'late'],
  ['LAND-OD', LAND, 'land', 'overdue', [{ system: 'land', state: 'retrying' }]],
  ['WARD-1', WARD, 'civil-registration', 'on-time'],
  ['WARD-2', WARD, 'civil-registration', 'on-time'],
  ['TAX-1', TAX, 'tax', 'on-time', [{ system: 'tax', state: 'dead' }]],
  ['TAX-2', TAX, 'tax', 'late'],
  ['TAX-OD', TAX, 'tax', 'overdue', [{ system: 'tax', state: 'failed' }]],
  ['BHXH-1', BHXH, 'social-insurance', 'open', [{ system: 'social-insurance', state: 'queued' }]],
];

const prefix = uniquePrefix('dashboard');
let redis: Redis;
let server: Server;
let base = '';
let browser: Browser | null = null;

beforeAll(async () => {
  if (!executablePath) return;
  redis = new Redis(REDIS_URL);
  const keys = new Keys(prefix);
  const store = new DossierStore(redis, keys);
  for (const [M, agency, system, outcome, deliveries] of DOSSIERS)
    await seedDossier(store, {
      MaHoSo: `H40.22-${M}`,
      route: [system],
      status: STATUS[outcome],
      systemStatus: { [system]: STATUS[outcome] === '4' ? '4' : '9' },
      lastNguoiXuLy: outcome === 'overdue' ? 'Trần Thị Mai' : undefined,
      deliveries,
      record: { ...TIMES[outcome], DonViXuLy: agency, KenhThucHien: M.endsWith('1') ? '2' : '1' },
    });
  const calendar = loadWorkingCalendar();
  const app = createApp({
    log: createLogger('silent', { test: 'dashboard' }),
    routers: [
      dashboardRouter({
        source: new StoreReportSource({ store, routing: loadRoutingTable(), calendar }),
        calendar,
        config,
        systems: SYSTEM_IDS,
        deliveryCounts: () => readDeliveryCounts(redis, keys),
        breakerStates: () => ({
          land: 'closed',
          'civil-registration': 'half-open',
          tax: 'open',
          'social-insurance': 'closed',
          document: 'closed',
        }),
        now: () => NOW,
      }),
    ],
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath, args: ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  redis?.disconnect();
  await dropPrefix(prefix);
});

describe.skipIf(!executablePath)('dashboard in headless Chromium', () => {
  it('When an official signs in with the token, then the chart of on-time rates is drawn, overdue dossiers and deliveries are listed, and a screenshot is saved', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    // The login page is answered 401 on purpose; any other failed load or script error is a problem.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.request().isNavigationRequest()) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));

    const first = await page.goto(`${base}/dashboard`);
    expect(first?.status()).toBe(401);
    await page.fill('#token', 'not-the-token');
    await page.click('button[type=submit]');
    await expect(page.locator('.error').textContent()).resolves.toContain('Mã truy cập không đúng');

    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('button[type=submit]')]);
    await page.waitForSelector('html[data-chart="ready"]', { timeout: 10_000 });

    // Runs in the page: the test is compiled without the DOM library, so the little it uses is typed here.
    const chart = await page.evaluate(() => {
      interface Canvas {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
      }
      const page = globalThis as unknown as {
        document: { getElementById(id: string): Canvas };
        onTimeChart?: { data: { labels: string[][]; datasets: Array<{ data: number[] }> } };
      };
      const canvas = page.document.getElementById('on-time-chart');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let drawn = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) drawn += 1;
      return {
        drawn,
        width: canvas.width,
        labels: page.onTimeChart?.data.labels.map((l) => l.join(' ')),
        rates: page.onTimeChart?.data.datasets[0]?.data,
      };
    });
    expect(chart.width).toBeGreaterThan(0);
    expect(chart.drawn).toBeGreaterThan(1000);
    expect(chart.labels).toEqual([TAX, LAND, WARD]); // lowest rate first
    expect(chart.rates).toEqual([50, 75, 100]);

    const overdue = await page.locator('table.overdue tbody tr').allTextContents();
    expect(overdue).toHaveLength(2);
    expect(overdue[0]).toContain('H40.22-LAND-OD');
    expect(overdue[0]).toContain('Đất đai (VBDLIS)');
    expect(overdue[0]).toContain('Trần Thị Mai');
    expect(overdue[0]).toContain('20/11/2025 17:00');
    expect(await page.locator('table.overdue tbody tr').first().locator('td.late').textContent()).toBe('6');
    expect(await page.locator('.tiles').textContent()).toContain('Hồ sơ đang quá hạn');
    await expect(page.locator('.note').first().textContent()).resolves.toContain(BHXH);

    const row = (label: string) => page.locator('table.systems tbody tr', { hasText: label });
    expect(await row('Thuế').locator('td').allTextContents()).toEqual([
      'Thuế',
      '0',
      '0',
      '0',
      '1',
      '1',
      'Tạm ngừng gửi',
    ]);
    expect(await row('Đất đai').locator('td').allTextContents()).toEqual([
      'Đất đai (VBDLIS)',
      '1',
      '0',
      '1',
      '0',
      '0',
      'Bình thường',
    ]);
    expect(await page.locator('[data-breaker="civil-registration"]').textContent()).toBe('Đang thử lại');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);

    const csv = await page.request.get(`${base}/dashboard/bao-cao.csv?from=2025-11-01&to=2025-11-30`);
    expect(csv.status()).toBe(200);
    expect([...(await csv.body()).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect((await csv.body()).toString('utf8')).toContain('Tổng cộng,11,6,2,1,2,0,75.0');

    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('When the page is asked for with a bearer token, then it is served with a strict CSP and no inline script', async () => {
    const res = await fetch(`${base}/dashboard`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html).toContain('<script src="/dashboard/assets/chart.umd.min.js"></script>');
    const lib = await fetch(`${base}/dashboard/assets/chart.umd.min.js`);
    expect(lib.status).toBe(200);
    expect(lib.headers.get('content-type')).toMatch(/javascript/);
    expect((await lib.text()).length).toBeGreaterThan(100_000);
  });
});
