import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { FEED_KEY, OPERATOR_TOKEN, startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'edges',
    patch: (raw) => {
      // Few attempts and a breaker that needs many calls, so "dead" is reached without opening it.
      const land = (raw.systems as Record<string, Record<string, unknown>>).land!;
      land.retry = { attempts: 3, backoffMs: 30, maxBackoffMs: 60 };
      land.breaker = {
        errorThresholdPercentage: 100,
        volumeThreshold: 1000,
        rollingCountTimeoutMs: 5000,
        resetTimeoutMs: 1000,
      };
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

async function push(M: string): Promise<void> {
  stack.portal.seed(landDossier(M));
  await stack.portal.push(M);
}

describe('delivery engine edges', () => {
  it('When retryable failures exhaust the attempts, then the delivery is dead with its whole error history', async () => {
    const { land, gateway } = stack;
    const M = nextCode('DEAD');
    land.setFaults({ failNext: 3, failStatus: 502 });
    await push(M);
    await waitFor('dead', async () => (await gateway!.store.deliveries(M))[0]?.state === 'dead');
    const [d] = await gateway!.store.deliveries(M);
    expect(d!.attempts).toBe(3);
    const history = await gateway!.store.attemptHistory(M, d!.id);
    expect(history).toHaveLength(3);
    expect(history.every((a) => a.outcome === 'error' && a.error?.code === 'GW_ERR_SYSTEM_UNAVAILABLE')).toBe(
      true,
    );
    const job = await gateway!.queues.delivery.get('land')!.getJob(d!.id);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(3);
    expect(land.entries(M)).toBe(0);
    // The admin index lists it under 'dead' only.
    const r = gateway!.store.redis;
    expect(await r.zscore(gateway!.keys.deliveriesInState('dead'), d!.id)).not.toBeNull();
    for (const other of ['queued', 'delivering', 'retrying', 'delivered', 'failed']) {
      expect(await r.zscore(gateway!.keys.deliveriesInState(other), d!.id)).toBeNull();
    }
    const view = (await (
      await fetch(`${stack.gatewayUrl}/v1/dossiers/${M}`, {
        headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` },
      })
    ).json()) as {
      systems: { land: { deliveries: Array<{ state: string; lastError: { code: string } }> } };
    };
    expect(view.systems.land.deliveries[0]).toMatchObject({
      state: 'dead',
      lastError: { code: 'GW_ERR_SYSTEM_UNAVAILABLE' },
    });
  });

  it('When the system answers 429 with Retry-After, then the queue waits that long and no attempt is lost', async () => {
    const { land, gateway } = stack;
    const M = nextCode('429');
    land.setFaults({ rateLimitNext: 1, retryAfterSeconds: 1 });
    const t0 = Date.now();
    await push(M);
    await waitFor('delivered', () => land.entries(M) === 1, 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const [d] = await gateway!.store.deliveries(M);
    expect(d!.state).toBe('delivered');
    const job = await gateway!.queues.delivery.get('land')!.getJob(d!.id);
    expect(job?.attemptsMade ?? 0).toBeLessThan(3);
  });

  it('When the portal answers 503 twice, then the update is retried and arrives once', async () => {
    const { land, portal } = stack;
    const M = nextCode('P5X');
    await push(M);
    await waitFor('entered', () => land.entries(M) === 1);
    portal.setFaults({ failNext: 2, failStatus: 503 });
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('row at the portal', () => portal.progress(M).length === 1, 10_000);
    await sleep(400);
    expect(portal.progress(M)).toHaveLength(1);
  });

  it('When the portal refuses an update ("2"), then it fails at once with the portal message, kept for an administrator', async () => {
    const { land, portal, gateway } = stack;
    const M = nextCode('P2');
    await push(M);
    await waitFor('entered', () => land.entries(M) === 1);
    // The result is handed over at the desk but the push does not reach the gateway: the portal is terminal (10).
    portal.setFeedTarget('http://127.0.0.1:9/nowhere', FEED_KEY);
    void portal.handOverResult(M, '20251125093000');
    await waitFor('portal at 10', () => portal.record(M)?.TrangThaiHoSo === '10');
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor(
      'sync failed',
      async () => (await gateway!.store.redis.llen(gateway!.keys.outboxFailed(M))) === 1,
      10_000,
    );
    portal.setFeedTarget(`${stack.gatewayUrl}/v1/portal/feed`, FEED_KEY);
    const failed = JSON.parse((await gateway!.store.redis.lindex(gateway!.keys.outboxFailed(M), 0))!) as {
      reason: string;
    };
    expect(failed.reason).toContain('error_code 2');
    const timeline = await gateway!.store.timeline(M);
    expect(timeline.some((t) => t.type === 'portal-sync-failed')).toBe(true);
    expect(portal.progress(M)).toHaveLength(0);
  });

  it('When health, readiness and the API document are asked for, then they answer', async () => {
    const live = await fetch(`${stack.gatewayUrl}/healthz`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: { maxmemoryPolicy: string } }).checks.maxmemoryPolicy).toBe(
      'noeviction',
    );
    const doc = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/portal/feed', '/v1/dossiers/{MaHoSo}']),
    );
    const wrongToken = await fetch(`${stack.gatewayUrl}/v1/dossiers/H40.22-X-1`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(wrongToken.status).toBe(401);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('Redis outage at the intake', () => {
  let redis: ChildProcess | null = null;
  let own: Stack | null = null;
  afterAll(async () => {
    redis?.kill('SIGKILL');
    await own?.close().catch(() => undefined);
  });

  it('When Redis is unreachable, then the feed answers 503 with Retry-After and stores nothing; after it is back, the version is accepted', async () => {
    const port = await freePort();
    const start = (): ChildProcess =>
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
        ],
        {
          stdio: 'ignore',
        },
      );
    redis = start();
    const url = `redis://127.0.0.1:${port}`;
    await waitFor('private redis', async () => {
      const { Redis } = await import('ioredis');
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    });
    own = await startStack({
      name: 'outage',
      mode: 'api',
      patch: (raw) => {
        (raw.redis as Record<string, unknown>).url = url;
      },
    });
    redis.kill('SIGKILL');
    await sleep(300);
    const M = nextCode('RDS');
    own.portal.seed(landDossier(M));
    const body = JSON.stringify({
      madonvi: 'H40.22',
      service: 'DongBoHoSoMC',
      isUpdating: 'False',
      data: [landDossier(M)],
    });
    const res = await fetch(`${own.gatewayUrl}/v1/portal/feed`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-MotCua-Key': FEED_KEY },
      body,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { code: string }).code).toBe('GW_ERR_STORE_UNAVAILABLE');
    redis = start();
    const again = await waitFor(
      'accepted after Redis is back',
      async () => {
        const r = await fetch(`${own!.gatewayUrl}/v1/portal/feed`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-MotCua-Key': FEED_KEY },
          body,
        });
        return r.status === 202 ? r : null;
      },
      15_000,
      200,
    );
    expect(again!.status).toBe(202);
  });
});
