import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { metric } from '../helpers/prometheus.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'metrics-token-for-tests-0001';
const dir = mkdtempSync(join(tmpdir(), 'lienthong-metrics-'));
const tokenFile = join(dir, 'metrics-token');
writeFileSync(tokenFile, `${TOKEN}\n`);

type Raw = Record<string, unknown> & { systems: Record<string, Record<string, unknown>> };

async function get(url: string, token?: string): Promise<Response> {
  return fetch(url, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });
}

describe('metrics on the API port, behind a token', () => {
  let stack: Stack;
  const scrape = async (): Promise<string> => {
    const res = await get(`${stack.gatewayUrl}/metrics`, TOKEN);
    expect(res.status).toBe(200);
    return res.text();
  };
  /** Scrapes until `ok` holds for the text, and returns that text. */
  const scrapeUntil = async (
    what: string,
    ok: (text: string) => boolean,
    timeoutMs = 15_000,
  ): Promise<string> => {
    let last = '';
    await waitFor(what, async () => ok((last = await scrape())), timeoutMs);
    return last;
  };
  const deliveries = (text: string, outcome: string, operation = 'tiepnhan'): number =>
    metric(text, 'lienthong_deliveries_total', { system: 'land', operation, outcome }) ?? 0;

  beforeAll(async () => {
    stack = await startStack({
      name: 'metrics',
      patch: (raw) => {
        raw.metrics = { token: { file: tokenFile } };
        // Two attempts, so "dead" comes quickly; the breaker (3 calls, 50 %) opens in the last test.
        (raw as Raw).systems.land!.retry = { attempts: 2, backoffMs: 30, maxBackoffMs: 60 };
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('When /metrics is asked without the token or with a wrong one, then 401 with the error body; with it, the Prometheus text', async () => {
    const none = await get(`${stack.gatewayUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as { code: string }).code).toBe('GW_ERR_AUTH_MISSING');
    const wrong = await get(`${stack.gatewayUrl}/metrics`, 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toBe('GW_ERR_AUTH_INVALID');
    const ok = await get(`${stack.gatewayUrl}/metrics`, TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await ok.text();
    expect(text).toContain('# TYPE lienthong_deliveries_total counter');
    expect(text).not.toContain(TOKEN);
  });

  it('When one land dossier is delivered and its callback reaches the portal, then each series shows it', async () => {
    const { land, portal } = stack;
    const M = nextCode('MET');
    portal.seed(landDossier(M));
    expect((await portal.push(M)).lastStatusCode).toBe(202);
    await waitFor('tiepnhan', () => land.entries(M) === 1);
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('row at the portal', () => portal.progress(M).length === 1);
    const text = await scrapeUntil(
      'sync lag observed',
      (t) => (metric(t, 'lienthong_portal_sync_lag_seconds_count') ?? 0) >= 1,
    );

    expect(deliveries(text, 'delivered')).toBe(1);
    expect(metric(text, 'lienthong_deliveries_total', { system: 'land' })).toBe(1);
    expect(metric(text, 'lienthong_delivery_attempt_seconds_count', { system: 'land' })).toBe(1);
    expect(metric(text, 'lienthong_delivery_latency_seconds_count', { system: 'land' })).toBe(1);
    const latency = metric(text, 'lienthong_delivery_latency_seconds_sum', { system: 'land' })!;
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThan(15);
    expect(metric(text, 'lienthong_callback_duration_seconds_count', { system: 'land', code: '200' })).toBe(
      1,
    );
    const lag = metric(text, 'lienthong_portal_sync_lag_seconds_sum')!;
    // At least the reorder window (150 ms in tests), at most the time this test has taken.
    expect(lag).toBeGreaterThanOrEqual(0.15);
    expect(lag).toBeLessThan(15);
    expect(metric(text, 'lienthong_breaker_state', { system: 'land' })).toBe(0);
    expect(metric(text, 'lienthong_dossiers_overdue')).toBe(0);
    expect(metric(text, 'lienthong_portal_sync_oldest_pending_seconds')).toBe(0);
    for (const state of ['waiting', 'active', 'delayed', 'failed'])
      expect(metric(text, 'lienthong_queue_jobs', { queue: 'deliver-land', state })).toBe(0);
    expect(metric(text, 'lienthong_queue_oldest_waiting_seconds', { queue: 'portal-sync' })).toBe(0);
    expect(metric(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metric(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('When the land queue is paused, then a new job shows as waiting with its age, and as gone once resumed', async () => {
    const { land, portal, gateway } = stack;
    const q = gateway!.queues.delivery.get('land')!;
    const M = nextCode('MEP');
    await q.pause();
    try {
      portal.seed(landDossier(M));
      await portal.push(M);
      const text = await scrapeUntil(
        'a waiting job some time old',
        (t) => (metric(t, 'lienthong_queue_oldest_waiting_seconds', { queue: 'deliver-land' }) ?? 0) >= 0.3,
      );
      expect(metric(text, 'lienthong_queue_jobs', { queue: 'deliver-land', state: 'waiting' })).toBe(1);
      expect(land.entries(M)).toBe(0);
    } finally {
      await q.resume();
    }
    await waitFor('delivered after resume', () => land.entries(M) === 1);
    const after = await scrapeUntil(
      'queue drained',
      (t) => metric(t, 'lienthong_queue_jobs', { queue: 'deliver-land', state: 'waiting' }) === 0,
    );
    expect(metric(after, 'lienthong_queue_oldest_waiting_seconds', { queue: 'deliver-land' })).toBe(0);
    expect(deliveries(after, 'delivered')).toBe(2);
  });

  it('When the land registry refuses a dossier, then the delivery is counted as failed and its job as failed', async () => {
    const { land, portal, gateway } = stack;
    const before = await scrape();
    const M = nextCode('MEF');
    land.setFaults({ failNext: 1, failStatus: 400 });
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('failed', async () => (await gateway!.store.deliveries(M))[0]?.state === 'failed');
    const text = await scrapeUntil(
      'failed job counted',
      (t) => metric(t, 'lienthong_queue_jobs', { queue: 'deliver-land', state: 'failed' }) === 1,
    );
    expect(deliveries(text, 'failed') - deliveries(before, 'failed')).toBe(1);
    expect(deliveries(text, 'delivered') - deliveries(before, 'delivered')).toBe(0);
    const attempts = (t: string): number =>
      metric(t, 'lienthong_delivery_attempt_seconds_count', { system: 'land' }) ?? 0;
    expect(attempts(text) - attempts(before)).toBe(1);
    land.resetFaults();
  });

  it('When the land registry answers 503 until the attempts run out, then one retry and one dead are counted', async () => {
    const { land, portal, gateway } = stack;
    const before = await scrape();
    const M = nextCode('MED');
    land.setFaults({ failNext: 2, failStatus: 503 });
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('dead', async () => (await gateway!.store.deliveries(M))[0]?.state === 'dead');
    const text = await scrapeUntil(
      'dead counted and its job failed',
      (t) =>
        deliveries(t, 'dead') - deliveries(before, 'dead') === 1 &&
        metric(t, 'lienthong_queue_jobs', { queue: 'deliver-land', state: 'failed' }) === 2,
    );
    expect(deliveries(text, 'retry') - deliveries(before, 'retry')).toBe(1);
    land.resetFaults();
  });

  it('When the land registry is down long enough to open the breaker, then the gauge reads 2, postponed runs are counted and wait as delayed jobs; after recovery it reads 0', async () => {
    const { land, portal } = stack;
    const before = await scrape();
    land.setFaults({ down: true });
    for (const M of Array.from({ length: 5 }, () => nextCode('MEB'))) {
      portal.seed(landDossier(M));
      await portal.push(M);
    }
    const open = await scrapeUntil(
      'breaker open, with postponed jobs delayed',
      (t) =>
        metric(t, 'lienthong_breaker_state', { system: 'land' }) === 2 &&
        (metric(t, 'lienthong_queue_jobs', { queue: 'deliver-land', state: 'delayed' }) ?? 0) >= 1,
      10_000,
    );
    expect(deliveries(open, 'postponed') - deliveries(before, 'postponed')).toBeGreaterThanOrEqual(1);
    land.setFaults({ down: false });
    await scrapeUntil(
      'breaker closed again',
      (t) => metric(t, 'lienthong_breaker_state', { system: 'land' }) === 0,
      10_000,
    );
  });
});

describe('metrics on a port of their own', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      name: 'metrics-port',
      patch: (raw) => {
        raw.metrics = { port: 0, host: '127.0.0.1' };
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('When metrics.port is configured, then /metrics is served there and not on the API port', async () => {
    const api = await get(`${stack.gatewayUrl}/metrics`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { code: string }).code).toBe('GW_ERR_NOT_FOUND');
    const url = stack.gateway!.metricsUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe(stack.gatewayUrl);
    const res = await get(`${url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(metric(text, 'lienthong_queue_jobs', { queue: 'deliver-land', state: 'waiting' })).toBe(0);
    expect(metric(text, 'lienthong_breaker_state', { system: 'land' })).toBe(0);
    expect((await get(`${url}/v1/dossiers/X`)).status).toBe(404);
  });
});
