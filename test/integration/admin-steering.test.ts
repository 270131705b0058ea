import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, VIEWER_TOKEN, withViewer } from '../helpers/admin.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface SystemView {
  system: string;
  paused: boolean | { since: string; by: string; reason: string };
  queue: Record<string, number>;
  oldestWaiting: { jobId: string; since: string; ageMs: number } | null;
  breaker: { forced: string | null; observed: Array<{ process: string; state: string }> };
}
interface AuditItem {
  actor: string;
  action: string;
  target: string;
  reason: string;
  details: Record<string, unknown>;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'admin-steer',
    patch: (raw) => {
      withViewer(raw);
      raw.admin = { breakerSyncMs: 200 };
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

async function states(codes: string[]): Promise<string[]> {
  return (await Promise.all(codes.map((M) => stack.gateway!.store.deliveries(M)))).flat().map((d) => d.state);
}

async function land(token?: string): Promise<SystemView> {
  return (await adminCall<SystemView>(stack.gatewayUrl, 'GET', '/admin/systems/land', token ? { token } : {}))
    .body;
}

async function audit(): Promise<AuditItem[]> {
  return (await adminCall<{ items: AuditItem[] }>(stack.gatewayUrl, 'GET', '/admin/audit?limit=100')).body
    .items;
}

describe('steering a system', () => {
  it('When deliveries to the land registry are paused, then nothing is attempted and nothing fails; after resume each dossier is entered once', async () => {
    const { portal, gateway } = stack;
    const sim = stack.land;
    const viewer = await adminCall(stack.gatewayUrl, 'POST', '/admin/systems/land/pause', {
      token: VIEWER_TOKEN,
      body: { reason: 'maintenance tonight' },
    });
    expect(viewer.status).toBe(403);
    const paused = await adminCall<SystemView>(stack.gatewayUrl, 'POST', '/admin/systems/land/pause', {
      body: { reason: 'land registry maintenance 22:00-23:00' },
    });
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toMatchObject({ by: 'ops', reason: 'land registry maintenance 22:00-23:00' });

    const calls = sim.counters().tiepnhanCalls;
    const refused = sim.faults.counts.failed;
    const codes = [nextCode('PAU'), nextCode('PAU'), nextCode('PAU')];
    for (const M of codes) {
      portal.seed(landDossier(M));
      await portal.push(M);
    }
    await sleep(1500);
    expect(sim.counters().tiepnhanCalls).toBe(calls);
    expect(sim.faults.counts.failed).toBe(refused);
    expect(await states(codes)).toEqual(['queued', 'queued', 'queued']);
    const q = gateway!.queues.delivery.get('land')!;
    for (const M of codes) {
      const job = await q.getJob(`${M}~land~tiepnhan`);
      expect(job!.attemptsMade).toBe(0);
      expect(await job!.getState()).not.toBe('failed');
    }
    const view = await land(VIEWER_TOKEN);
    expect(view.paused).not.toBe(false);
    expect(view.queue.depth).toBe(3);
    expect(view.queue.failed).toBe(0);
    expect(view.oldestWaiting!.jobId).toBe(`${codes[0]}~land~tiepnhan`);
    expect(view.oldestWaiting!.ageMs).toBeGreaterThanOrEqual(1400);

    const resumed = await adminCall<SystemView>(stack.gatewayUrl, 'POST', '/admin/systems/land/resume', {
      body: { reason: 'maintenance over' },
    });
    expect(resumed.body.paused).toBe(false);
    await waitFor('all entered', () => codes.every((M) => sim.entries(M) === 1), 10_000);
    await sleep(300);
    expect(codes.map((M) => sim.entries(M))).toEqual([1, 1, 1]);
    expect(await states(codes)).toEqual(['delivered', 'delivered', 'delivered']);
    expect((await land()).oldestWaiting).toBeNull();

    const entries = await audit();
    expect(entries.find((e) => e.action === 'pause')).toMatchObject({
      actor: 'ops',
      target: 'land',
      reason: 'land registry maintenance 22:00-23:00',
    });
    expect(entries.find((e) => e.action === 'resume')).toMatchObject({
      actor: 'ops',
      target: 'land',
      reason: 'maintenance over',
    });
  });

  it('When an operator forces the breaker open, then every worker holds the jobs without spending attempts; back to auto, they are delivered', async () => {
    const { portal, gateway } = stack;
    const sim = stack.land;
    const r = await adminCall<SystemView>(stack.gatewayUrl, 'POST', '/admin/systems/land/breaker', {
      body: { state: 'open', reason: 'land registry asked us to stop sending' },
    });
    expect(r.status).toBe(200);
    expect(r.body.breaker.forced).toBe('open');
    await waitFor('worker honours it', () => gateway!.breakers.isOpen('land'), 5_000);
    await waitFor('reported by the worker', async () =>
      (await land()).breaker.observed.some((o) => o.state === 'forced-open'),
    );
    const calls = sim.counters().tiepnhanCalls;
    const M = nextCode('BRK');
    portal.seed(landDossier(M));
    await portal.push(M);
    await sleep(1500);
    expect(sim.counters().tiepnhanCalls).toBe(calls);
    const [d] = await gateway!.store.deliveries(M);
    expect(d!.state).toBe('queued');
    expect(d!.lastError?.code).toBe('GW_ERR_SYSTEM_BREAKER_OPEN');
    const job = await gateway!.queues.delivery.get('land')!.getJob(`${M}~land~tiepnhan`);
    expect(job!.attemptsMade).toBe(0);

    const bad = await adminCall<{ code: string }>(stack.gatewayUrl, 'POST', '/admin/systems/land/breaker', {
      body: { state: 'half-open', reason: 'x y z' },
    });
    expect(bad.status).toBe(422);
    const unknown = await adminCall<{ code: string }>(
      stack.gatewayUrl,
      'POST',
      '/admin/systems/nowhere/breaker',
      {
        body: { state: 'open', reason: 'x y z' },
      },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('GW_ERR_SYSTEM_NOT_CONFIGURED');

    await adminCall(stack.gatewayUrl, 'POST', '/admin/systems/land/breaker', {
      body: { state: 'auto', reason: 'they are ready again' },
    });
    await waitFor('delivered after auto', () => sim.entries(M) === 1, 10_000);
    expect(gateway!.breakers.isOpen('land')).toBe(false);
    expect((await land()).breaker.forced).toBeNull();
    const breakerEntries = (await audit()).filter((e) => e.action === 'breaker');
    expect(breakerEntries.map((e) => e.details.state)).toEqual(['auto', 'open']);
    expect(breakerEntries[1]).toMatchObject({
      actor: 'ops',
      target: 'land',
      reason: 'land registry asked us to stop sending',
    });
  });

  it('When an operator forces the breaker closed during failures, then it does not open and the attempts go out', async () => {
    const { portal, gateway } = stack;
    const sim = stack.land;
    await adminCall(stack.gatewayUrl, 'POST', '/admin/systems/land/breaker', {
      body: { state: 'closed', reason: 'probing the land registry by hand' },
    });
    await waitFor('forced closed applied', async () =>
      (await land()).breaker.observed.some((o) => o.state === 'forced-closed'),
    );
    sim.setFaults({ failNext: 6, failStatus: 503 });
    const M = nextCode('CLS');
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('delivered after the failures', () => sim.entries(M) === 1, 15_000);
    expect(gateway!.breakers.get('land').opened).toBe(false);
    await adminCall(stack.gatewayUrl, 'POST', '/admin/systems/land/breaker', {
      body: { state: 'auto', reason: 'done' },
    });
  });
});
