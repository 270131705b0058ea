import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, VIEWER_TOKEN, withViewer } from '../helpers/admin.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { FEED_KEY, LAND_KEY, startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface Run {
  id: string;
  state: string;
  total: number;
  replayed: number;
  skipped: number;
  errors: number;
  durationMs: number | null;
}
interface AuditItem {
  actor: string;
  action: string;
  target: string;
  dossiers: string[];
  reason: string;
  details: Record<string, unknown>;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'admin-replay',
    patch: (raw) => {
      withViewer(raw);
      // Two attempts, at least 500 ms apart, and a breaker that never opens: deliveries die quickly
      // and the test can take the system down between an attempt and its retry.
      const land = (raw.systems as Record<string, Record<string, unknown>>).land!;
      land.timeoutMs = 600;
      land.retry = { attempts: 2, backoffMs: 1000, maxBackoffMs: 1000 };
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

const tiepnhan = (M: string): string => `${M}~land~tiepnhan`;

async function state(M: string, op = 'tiepnhan'): Promise<string | undefined> {
  return (await stack.gateway!.store.deliveries(M)).find((d) => d.operation === op)?.state;
}

async function push(M: string): Promise<void> {
  stack.portal.seed(landDossier(M));
  await stack.portal.push(M);
}

async function audit(action?: string): Promise<AuditItem[]> {
  const r = await adminCall<{ items: AuditItem[] }>(
    stack.gatewayUrl,
    'GET',
    `/admin/audit?limit=500${action ? `&action=${action}` : ''}`,
  );
  return r.body.items;
}

describe('replay', () => {
  it('When the land registry was down and some first attempts in fact reached it, then a bulk replay (dry run first) enters every dossier exactly once', async () => {
    const { land, gateway } = stack;
    const since = Date.now() - 1;
    // Two dossiers are committed by the land registry while the gateway sees 503 ...
    const [A, B, C, D, E] = ['OUTA', 'OUTB', 'OUTC', 'OUTD', 'OUTE'].map(nextCode) as [
      string,
      string,
      string,
      string,
      string,
    ];
    land.setFaults({ timeoutAfterCommitNext: 1 });
    await push(C);
    await waitFor('C committed (its answer never comes)', () => land.entries(C) === 1);
    land.setFaults({ failAfterCommitNext: 2, failAfterCommitStatus: 503 });
    await push(A);
    await push(B);
    await waitFor('A and B committed', () => land.entries(A) === 1 && land.entries(B) === 1);
    // ... then it goes down before any retry (and its lookup) can reach it.
    land.setFaults({ down: true });
    await push(D);
    await push(E);
    const all = [A, B, C, D, E];
    await waitFor(
      'all five dead',
      async () => (await Promise.all(all.map((M) => state(M)))).every((s) => s === 'dead'),
      20_000,
    );
    expect(all.map((M) => land.entries(M))).toEqual([1, 1, 1, 0, 0]);

    land.setFaults({ down: false });
    const filter = { system: 'land', state: 'dead', from: since };
    const callsBefore = { ...land.counters() };
    const auditBefore = (await audit()).length;

    // Dry run: the count and a sample, and nothing else.
    const dry = await adminCall<{ count: number; dossiers: number; sample: Array<{ id: string }> }>(
      stack.gatewayUrl,
      'POST',
      '/admin/replays',
      { body: { filter, dryRun: true } },
    );
    expect(dry.status).toBe(200);
    expect(dry.body.count).toBe(5);
    expect(dry.body.dossiers).toBe(5);
    expect(dry.body.sample.map((s) => s.id).sort()).toEqual(all.map(tiepnhan).sort());
    await sleep(300);
    expect((await Promise.all(all.map((M) => state(M)))).every((s) => s === 'dead')).toBe(true);
    const q = gateway!.queues.delivery.get('land')!;
    for (const M of all) expect(await (await q.getJob(tiepnhan(M)))!.getState()).toBe('failed');
    expect(land.counters().tiepnhanCalls).toBe(callsBefore.tiepnhanCalls);
    expect(land.counters().lookupCalls).toBe(callsBefore.lookupCalls);
    expect((await audit()).length).toBe(auditBefore);

    // A viewer may look but not replay.
    const denied = await adminCall(stack.gatewayUrl, 'POST', '/admin/replays', {
      token: VIEWER_TOKEN,
      body: { filter, reason: 'land registry is back' },
    });
    expect(denied.status).toBe(403);

    // The real run, at 5 per second.
    const started = await adminCall<Run>(stack.gatewayUrl, 'POST', '/admin/replays', {
      body: { filter, reason: 'land registry back after the outage', ratePerSecond: 5 },
    });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/admin/replays/${started.body.id}`);
    expect(started.body.total).toBe(5);
    const run = (await waitFor(
      'run finished',
      async () => {
        const r = await adminCall<Run>(stack.gatewayUrl, 'GET', `/admin/replays/${started.body.id}`, {
          token: VIEWER_TOKEN,
        });
        return r.body.state === 'finished' ? r.body : null;
      },
      15_000,
    ))!;
    expect(run).toMatchObject({ total: 5, replayed: 5, skipped: 0, errors: 0 });
    // Bounded rate: five deliveries at 5/s take at least four intervals of 200 ms.
    expect(run.durationMs).toBeGreaterThanOrEqual(700);
    await waitFor(
      'all delivered',
      async () => (await Promise.all(all.map((M) => state(M)))).every((s) => s === 'delivered'),
      15_000,
    );
    await sleep(300);
    expect(all.map((M) => land.entries(M))).toEqual([1, 1, 1, 1, 1]);
    // The three that had arrived were found by the lookup and adopted, not entered again.
    for (const M of [A, B, C]) {
      const history = await gateway!.store.attemptHistory(M, tiepnhan(M));
      expect(history[history.length - 1]!.outcome, M).toBe('adopted');
      const d = (await gateway!.store.deliveries(M))[0]!;
      expect(d.externalId).toBe(String(land.dossiers(M)[0]!.hoSoId));
    }
    for (const M of [D, E]) {
      const history = await gateway!.store.attemptHistory(M, tiepnhan(M));
      expect(history[history.length - 1]!.outcome, M).toBe('delivered');
    }
    const bulk = (await audit('replay-bulk'))[0]!;
    expect(bulk).toMatchObject({ actor: 'ops', reason: 'land registry back after the outage' });
    expect(bulk.dossiers.sort()).toEqual([...all].sort());
    expect(bulk.details.runId).toBe(run.id);
    const timeline = await gateway!.store.timeline(A);
    expect(timeline.some((t) => t.type === 'replay' && t.detail.includes('ops'))).toBe(true);

    // Nothing is left to replay.
    const again = await adminCall<{ count: number }>(stack.gatewayUrl, 'POST', '/admin/replays', {
      body: { filter, dryRun: true },
    });
    expect(again.body.count).toBe(0);
  });

  it('When a delivery the system rejected (a mapping was wrong) is replayed after the fix, then it is delivered once; replaying it again is a conflict', async () => {
    const { land } = stack;
    const M = nextCode('MAP');
    land.setFaults({ failNext: 1, failStatus: 400 });
    await push(M);
    await waitFor('failed', async () => (await state(M)) === 'failed');
    const listed = await adminCall<{ items: Array<{ id: string; lastError: { code: string } }> }>(
      stack.gatewayUrl,
      'GET',
      `/admin/deliveries?state=failed&code=GW_ERR_SYSTEM_REJECTED&MaHoSo=${M}`,
      { token: VIEWER_TOKEN },
    );
    expect(listed.body.items.map((i) => i.id)).toEqual([tiepnhan(M)]);
    const path = `/admin/deliveries/${encodeURIComponent(tiepnhan(M))}/replay`;
    const viewer = await adminCall(stack.gatewayUrl, 'POST', path, {
      token: VIEWER_TOKEN,
      body: { reason: 'mapping fixed' },
    });
    expect(viewer.status).toBe(403);
    const noReason = await adminCall<{ code: string }>(stack.gatewayUrl, 'POST', path, { body: {} });
    expect(noReason.status).toBe(422);
    const r = await adminCall<{ outcome: string }>(stack.gatewayUrl, 'POST', path, {
      body: { reason: 'mapping of SoGiayTo fixed' },
    });
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe('replayed');
    await waitFor('delivered', async () => (await state(M)) === 'delivered');
    expect(land.entries(M)).toBe(1);
    const again = await adminCall<{ code: string; details: { state: string } }>(
      stack.gatewayUrl,
      'POST',
      path,
      {
        body: { reason: 'once more' },
      },
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('GW_ERR_DELIVERY_STATE_CONFLICT');
    expect(again.body.details.state).toBe('delivered');
    const entries = (await audit('replay')).filter((e) => e.target === tiepnhan(M));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'ops', reason: 'mapping of SoGiayTo fixed', dossiers: [M] });
  });

  it('When a dossier was entered by hand at the land registry, then resolving its dead intake lets the later supplement through, and the intake is never sent', async () => {
    const { land, portal, gateway } = stack;
    const M = nextCode('HAND');
    land.setFaults({ down: true });
    await push(M);
    await waitFor('dead', async () => (await state(M)) === 'dead', 10_000);
    land.setFaults({ down: false });
    // The land office enters it by hand (here: the request the gateway would have sent, posted directly).
    const body = (
      await adminCall<{ payload: { body: unknown } }>(
        stack.gatewayUrl,
        'GET',
        `/admin/deliveries/${encodeURIComponent(tiepnhan(M))}`,
      )
    ).body.payload.body;
    await fetch(`${land.url ?? ''}/api/motcua/tiepnhan`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-VBDLIS-Key': LAND_KEY },
      body: JSON.stringify(body),
    });
    await waitFor('entered by hand', () => land.entries(M) === 1);
    const hoSoId = String(land.dossiers(M)[0]!.hoSoId);
    // Meanwhile the desk receives a supplement: it waits behind the dead intake.
    land.requestSupplement(M, { NoiDungYeuCau: 'Bổ sung hợp đồng' });
    await waitFor('5 at the portal', () => portal.record(M)?.TrangThaiHoSo === '5');
    await portal.handInSupplement(M, { NgayTiepNhanBoSung: '20251110090000', NoiDungBoSung: 'Đã nộp' });
    await waitFor(
      'supplement planned',
      async () => (await state(M, 'capnhattrangthaibosunghoso')) === 'queued',
    );
    await sleep(500);
    expect(land.counters().supplementsRecorded).toBe(0);

    const path = `/admin/deliveries/${encodeURIComponent(tiepnhan(M))}/resolve`;
    expect(
      (
        await adminCall(stack.gatewayUrl, 'POST', path, {
          token: VIEWER_TOKEN,
          body: { reason: 'entered by hand' },
        })
      ).status,
    ).toBe(403);
    const r = await adminCall<{ state: string; next: string }>(stack.gatewayUrl, 'POST', path, {
      body: { reason: 'entered by hand at the land office (phiếu 123)', externalId: hoSoId },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: 'resolved', next: `${M}~land~bosung-${M}-BS01` });
    await waitFor(
      'supplement delivered',
      async () => (await state(M, 'capnhattrangthaibosunghoso')) === 'delivered',
    );
    expect(land.counters().supplementsRecorded).toBeGreaterThanOrEqual(1);
    expect(land.entries(M)).toBe(1);
    expect(await state(M)).toBe('resolved');
    const d = await gateway!.store.get(M);
    expect(d!.externalIds.land).toBe(hoSoId);
    // A resolved delivery is final: a replay is refused, and a stray job of it does nothing.
    const replay = await adminCall(
      stack.gatewayUrl,
      'POST',
      `/admin/deliveries/${encodeURIComponent(tiepnhan(M))}/replay`,
      {
        body: { reason: 'try' },
      },
    );
    expect(replay.status).toBe(409);
    const calls = land.counters().tiepnhanCalls;
    await gateway!.queues.kickDelivery({ deliveryId: tiepnhan(M), MaHoSo: M, system: 'land' });
    await sleep(500);
    expect(land.counters().tiepnhanCalls).toBe(calls);
    const listed = await adminCall<{ items: Array<{ id: string }> }>(
      stack.gatewayUrl,
      'GET',
      `/admin/deliveries?state=resolved`,
    );
    expect(listed.body.items.map((i) => i.id)).toContain(tiepnhan(M));
    const resolved = (await audit('resolve')).find((e) => e.target === tiepnhan(M));
    expect(resolved).toMatchObject({
      actor: 'ops',
      dossiers: [M],
      reason: 'entered by hand at the land office (phiếu 123)',
    });
    expect(resolved!.details.externalId).toBe(hoSoId);
  });

  it('When the portal refused a sync, then it is listed, a dry run changes nothing, and a replay sends it again from the front of the outbox', async () => {
    const { land, portal, gateway } = stack;
    const M = nextCode('SYN');
    await push(M);
    await waitFor('entered', () => land.entries(M) === 1);
    portal.setFeedTarget('http://127.0.0.1:9/nowhere', FEED_KEY);
    void portal.handOverResult(M, '20251125093000');
    await waitFor('portal at 10', () => portal.record(M)?.TrangThaiHoSo === '10');
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    const r = gateway!.store.redis;
    await waitFor('refused', async () => (await r.llen(gateway!.keys.outboxFailed(M))) === 1, 10_000);
    portal.setFeedTarget(`${stack.gatewayUrl}/v1/portal/feed`, FEED_KEY);

    const list = await adminCall<{
      items: Array<{ MaHoSo: string; operations: Array<{ kind: string; reason: string }> }>;
    }>(stack.gatewayUrl, 'GET', `/admin/syncs/failed?MaHoSo=${M}`, { token: VIEWER_TOKEN });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]!.operations[0]!.kind).toBe('progress');
    expect(list.body.items[0]!.operations[0]!.reason).toContain('error_code 2');

    const dry = await adminCall<{ dossiers: number; operations: number }>(
      stack.gatewayUrl,
      'POST',
      '/admin/syncs/replay',
      {
        body: { MaHoSo: [M], dryRun: true },
      },
    );
    expect(dry.body).toMatchObject({ dryRun: true, dossiers: 1, operations: 1 });
    expect(await r.llen(gateway!.keys.outboxFailed(M))).toBe(1);
    const failedBefore = (await gateway!.store.timeline(M)).filter(
      (t) => t.type === 'portal-sync-failed',
    ).length;

    const real = await adminCall<{ dossiers: number; operations: number }>(
      stack.gatewayUrl,
      'POST',
      '/admin/syncs/replay',
      {
        body: { MaHoSo: [M], reason: 'portal record corrected' },
      },
    );
    expect(real.body).toMatchObject({ dryRun: false, dossiers: 1, operations: 1 });
    // The portal still refuses (the dossier is closed there), so it comes back to the failed list: sent once more.
    await waitFor(
      'sent again',
      async () =>
        (await gateway!.store.timeline(M)).filter((t) => t.type === 'portal-sync-failed').length ===
        failedBefore + 1,
      30_000,
    );
    expect(await r.llen(gateway!.keys.outboxFailed(M))).toBe(1);
    expect(await r.llen(gateway!.keys.outbox(M))).toBe(0);
    expect((await gateway!.store.timeline(M)).some((t) => t.type === 'replay' && t.system === 'portal')).toBe(
      true,
    );
    const entry = (await audit('sync-replay'))[0]!;
    expect(entry).toMatchObject({ actor: 'ops', dossiers: [M], reason: 'portal record corrected' });
  });
});
