import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDossier, monotonic, nextCode } from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'once' });
});
afterAll(async () => {
  await stack?.close();
});

async function deliveries(M: string): Promise<Array<{ operation: string; state: string; attempts: number }>> {
  const view = await stack.gateway!.store.deliveries(M);
  return view.map((d) => ({ operation: d.operation, state: d.state, attempts: d.attempts }));
}

describe('exactly once at the land registry', () => {
  it('When the portal delivers the same version three times, then the land registry receives one tiepnhan', async () => {
    const { land, portal } = stack;
    const M = nextCode('DUP');
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('tiepnhan', () => land.entries(M) === 1);
    const again = await portal.redeliverLast(M);
    const third = await portal.redeliverLast(M);
    expect(again.lastStatusCode).toBe(200);
    expect(third.lastStatusCode).toBe(200);
    await sleep(300);
    expect(land.entries(M)).toBe(1);
    expect(land.counters().tiepnhanCalls).toBeGreaterThanOrEqual(1);
    expect((await deliveries(M)).filter((d) => d.operation === 'tiepnhan')).toHaveLength(1);
  });

  it('When a version is redelivered after its queue jobs were trimmed (days later), then nothing is delivered again', async () => {
    const { land, portal, gateway } = stack;
    const M = nextCode('OLD');
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('tiepnhan', () => land.entries(M) === 1);
    const q = gateway!.queues.delivery.get('land')!;
    await waitFor(
      'job completed',
      async () => (await q.getJob(`${M}~land~tiepnhan`))?.finishedOn !== undefined,
    );
    await q.clean(0, 10_000, 'completed');
    expect(await q.getJob(`${M}~land~tiepnhan`)).toBeUndefined();
    const before = land.counters().tiepnhanCalls;
    await portal.redeliverLast(M);
    await sleep(500);
    expect(land.entries(M)).toBe(1);
    expect(land.counters().tiepnhanCalls).toBe(before);
  });

  it('When the land registry times out after creating the dossier, then the retry looks it up and adopts it', async () => {
    const { land, portal } = stack;
    const M = nextCode('TMO');
    land.setFaults({ timeoutAfterCommitNext: 1 });
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('tiepnhan delivered', async () => (await deliveries(M))[0]?.state === 'delivered', 20_000);
    expect(land.entries(M)).toBe(1);
    expect((await deliveries(M))[0]).toMatchObject({ operation: 'tiepnhan', attempts: 2 });
    const timeline = await stack.gateway!.store.timeline(M);
    expect(timeline.some((t) => t.type === 'delivered' && t.detail.includes('adopted'))).toBe(true);
    expect(land.counters().lookupCalls).toBeGreaterThanOrEqual(1);
  });

  it('When the land registry answers 503 after creating the dossier, then no second land dossier is created', async () => {
    const { land, portal } = stack;
    const M = nextCode('5XX');
    land.setFaults({ failAfterCommitNext: 1, failAfterCommitStatus: 503 });
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('tiepnhan delivered', async () => (await deliveries(M))[0]?.state === 'delivered', 20_000);
    await sleep(300);
    expect(land.entries(M)).toBe(1);
  });

  it('When the land registry refuses the dossier as invalid (400), then the delivery fails at once with its reason', async () => {
    const { land, portal } = stack;
    const M = nextCode('BAD');
    land.setFaults({ failNext: 1, failStatus: 400 });
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('failed', async () => (await deliveries(M))[0]?.state === 'failed');
    const view = await stack.gateway!.store.deliveries(M);
    expect(view[0]!.attempts).toBe(1);
    expect(view[0]!.lastError?.code).toBe('GW_ERR_SYSTEM_REJECTED');
    expect(view[0]!.lastError?.message).toContain('HTTP 400');
    const q = stack.gateway!.queues.delivery.get('land')!;
    const job = await q.getJob(`${M}~land~tiepnhan`);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(land.entries(M)).toBe(0);
  });

  it('When callbacks arrive twice and out of order, then each reaches the portal once, in order, never going back', async () => {
    const { land, portal } = stack;
    const M = nextCode('ORD');
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('tiepnhan', () => land.entries(M) === 1);
    land.setFaults({ reorder: true, duplicateNext: 4 });
    land.act(M, [
      { Operation: 'ChuyenHoSo', BuocXuLy: 'Thẩm định', PhongBan: 'Phòng ĐK', NguoiXuLy: 'Trần Thị Mai' },
      { Operation: 'YeuCauBoSungHoSo', NoiDungYeuCau: 'Bổ sung hợp đồng' },
    ]);
    await waitFor('both rows at the portal', () => portal.progress(M).length >= 2);
    await sleep(800);
    land.setFaults({ reorder: false });
    expect(portal.progress(M).map((r) => r.TrangThai)).toEqual(['4', '5']);
    expect(portal.duplicateProgressRows(M)).toEqual([]);
    expect(monotonic(portal.statuses(M))).toBe(true);
    expect(land.counters().callbacks.duplicatesSent).toBeGreaterThanOrEqual(2);
    // A late event after the dossier moved on: recorded, but the portal's status does not go back.
    land.finish(M, { TrangThaiKetThuc: 0 });
    await waitFor('9 at the portal', () => portal.record(M)?.TrangThaiHoSo === '9');
    const early = land.emittedEvents().find((e) => e.MaHoSoMotCua === M && e.Operation === 'ChuyenHoSo');
    land.resend(early!.EventId);
    await sleep(600);
    expect(portal.record(M)?.TrangThaiHoSo).toBe('9');
    expect(portal.duplicateProgressRows(M)).toEqual([]);
  });

  it('When the portal session expires, then the gateway logs in again and the update still arrives once', async () => {
    const { land, portal } = stack;
    const M = nextCode('SES');
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('tiepnhan', () => land.entries(M) === 1);
    const logins = portal.counters().logins;
    portal.expireAllSessions();
    land.transfer(M, { NguoiXuLy: 'Lê Văn A' });
    await waitFor('row at the portal', () => portal.progress(M).length === 1);
    expect(portal.counters().logins).toBeGreaterThan(logins);
    await sleep(300);
    expect(portal.progress(M)).toHaveLength(1);
  });

  it('When the portal applies progress rows but the answer is lost, then the rows are not appended twice', async () => {
    const { land, portal } = stack;
    const M = nextCode('PDR');
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('tiepnhan', () => land.entries(M) === 1);
    portal.setFaults({ dropAfterCommitNext: 1 });
    land.transfer(M, { NguoiXuLy: 'Lê Văn B' });
    await waitFor('row at the portal', () => portal.progress(M).length >= 1);
    await sleep(1200);
    expect(portal.progress(M)).toHaveLength(1);
    expect(portal.duplicateProgressRows(M)).toEqual([]);
  });
});
