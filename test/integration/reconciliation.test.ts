import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierRecord } from '../../src/domain/dossier.js';
import type { Finding } from '../../src/reconciliation/finding-store.js';
import type { ReconciliationReport } from '../../src/reconciliation/reconciliation-admin.js';
import type { ReconciliationRun } from '../../src/reconciliation/run-store.js';
import { adminCall, VIEWER_TOKEN, withViewer } from '../helpers/admin.js';
import { deathDossier, landDossier, nextCode } from '../helpers/dossiers.js';
import { LAND_KEY, startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'reconcile',
    systems: 'all',
    patch: (raw) => {
      withViewer(raw);
      // Every change counts as settled at once; the scheduler is registered but ticks hourly.
      raw.reconciliation = { enabled: true, intervalMs: 3_600_000, settleMs: 0, readsPerSecond: 50 };
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const call = <T>(method: string, path: string, opts: { token?: string | null; body?: unknown } = {}) =>
  adminCall<T>(stack.gatewayUrl, method, path, opts);

/** Starts a run over the dossiers named and waits until it has finished. */
async function reconcile(...MaHoSo: string[]): Promise<ReconciliationRun> {
  const started = await call<ReconciliationRun>('POST', '/admin/reconciliations', {
    body: { reason: 'reconciliation test', MaHoSo },
  });
  expect(started.status).toBe(202);
  const run = await waitFor(`run ${started.body.id}`, async () => {
    const { body } = await call<{ items: ReconciliationRun[] }>('GET', '/admin/reconciliations?limit=50');
    const found = body.items.find((r) => r.id === started.body.id);
    return found?.state === 'finished' ? found : undefined;
  });
  return run!;
}

async function findings(M: string, state = 'all'): Promise<Finding[]> {
  const r = await call<{ items: Finding[] }>(
    'GET',
    `/admin/reconciliation/findings?state=${state}&MaHoSo=${M}`,
  );
  expect(r.status).toBe(200);
  return r.body.items;
}

/** Waits until the gateway has nothing left to send for the dossier. */
async function settled(M: string): Promise<void> {
  const g = stack.gateway!;
  await waitFor(`${M} synced`, async () => {
    const redis = g.store.redis;
    const [pending, outbox, inbox] = await Promise.all([
      redis.sismember(g.keys.pendingSync(), M),
      redis.llen(g.keys.outbox(M)),
      redis.zcard(g.keys.inbox(M)),
    ]);
    return pending === 0 && outbox === 0 && inbox === 0;
  });
}

/** A land dossier entered and moved to 4 (ChuyenHoSo), every copy in agreement. */
async function landAtFour(tag: string): Promise<string> {
  const { land, portal } = stack;
  const M = nextCode(tag);
  portal.seed(landDossier(M));
  await portal.push(M);
  await waitFor('tiepnhan', () => land.entries(M) === 1);
  land.transfer(M, { BuocXuLy: 'Thẩm định hồ sơ', PhongBan: 'Phòng Đăng ký', NguoiXuLy: 'Trần Thị Mai' });
  await waitFor('4 at the portal', () => portal.record(M)?.TrangThaiHoSo === '4');
  await settled(M);
  return M;
}

describe('reconciliation', () => {
  it('When every copy agrees, then a run finds nothing, reads civil registration and BHXH back, and says tax and document cannot be', async () => {
    const { civil, bhxh } = stack;
    const A = await landAtFour('RCA');
    const K = nextCode('RCK');
    stack.portal.seed(deathDossier(K));
    await stack.portal.push(K);
    await waitFor('civil and BHXH entered', () => civil!.entries(K) === 1 && bhxh!.entries(K) === 1, 20_000);
    // The first poll of civil registration brings its "received" (→ 4).
    await waitFor('4 at the portal', () => stack.portal.record(K)?.TrangThaiHoSo === '4');
    await settled(K);
    const run = await reconcile(A, K);
    expect(run).toMatchObject({ checked: 2, agreed: 2, findings: 0, repaired: 0, open: 0 });
    expect(run.bySystem.land).toMatchObject({ checked: 1, agreed: 1 });
    expect(run.bySystem['civil-registration']).toMatchObject({ checked: 1, agreed: 1 });
    expect(run.bySystem['social-insurance']).toMatchObject({ checked: 1, agreed: 1 });
    expect(run.bySystem.portal).toMatchObject({ checked: 2, agreed: 2 });
    expect(run.bySystem.tax).toMatchObject({ checked: 0, unread: 1 });
    expect(run.notReadBack.tax).toContain('no query');
    expect(run.notReadBack.document).toContain('inbox');
    expect(await findings(A)).toEqual([]);
  });

  it('When the land status changes without a callback, then it is found, repaired through the inbox once, and a second run changes nothing', async () => {
    const { land, portal } = stack;
    const M = await landAtFour('RCS');
    const rowsBefore = portal.progress(M).length;
    land.setStatusSilently(M, 3); // Chờ bổ sung → 5, no callback
    // Land stamps a dossier's changes at least a second apart (intake, transfer, this): up to 2 s ahead.
    await sleep(2100);
    const first = await reconcile(M);
    expect(first).toMatchObject({ findings: 1, newFindings: 1, repaired: 1, open: 0 });
    const [f] = await findings(M);
    expect(f).toMatchObject({
      kind: 'system-status',
      party: 'land',
      classification: 'repairable',
      state: 'repaired',
      evidence: { systemCode: '3', systemStatus: '5', gatewayKnew: '4', portalShould: '5', portalShows: '4' },
    });
    // Run again at once: the repair is on its way (left alone) or already there (in agreement).
    const second = await reconcile(M);
    expect(second.repaired).toBe(0);
    await waitFor('5 at the portal', () => portal.record(M)?.TrangThaiHoSo === '5');
    await settled(M);
    const third = await reconcile(M);
    expect(third).toMatchObject({ checked: 1, agreed: 1, findings: 0, repaired: 0 });
    await sleep(300);
    expect(portal.progress(M).filter((r) => r.TrangThai === '5')).toHaveLength(1);
    expect(portal.progress(M)).toHaveLength(rowsBefore + 1);
    expect(portal.duplicateProgressRows(M)).toEqual([]);
    expect(portal.record(M)?.DanhSachHoSoBoSung).toHaveLength(1);
    expect((await findings(M))[0]).toMatchObject({ state: 'repaired', seen: 1 });
  });

  it('When a progress row disappears at the portal, then it is sent again once, and the portal status stays right', async () => {
    const { land, portal } = stack;
    const M = await landAtFour('RCP');
    land.requestSupplement(M, { NoiDungYeuCau: 'Bổ sung hợp đồng công chứng' });
    await waitFor('5 at the portal', () => portal.record(M)?.TrangThaiHoSo === '5');
    await settled(M);
    const rows = portal.progress(M);
    expect(rows.map((r) => r.TrangThai)).toEqual(['4', '5']);
    const removed = portal.removeProgressRow(M, 0);
    const writesBefore = portal.dossier(M)!.writes.progressRows;
    const first = await reconcile(M);
    expect(first).toMatchObject({ findings: 1, repaired: 1 });
    const [f] = await findings(M);
    expect(f).toMatchObject({
      kind: 'progress-missing',
      party: 'portal',
      classification: 'repairable',
      state: 'repaired',
    });
    expect(f!.evidence).toMatchObject({
      ThoiDiemXuLy: removed.ThoiDiemXuLy,
      TrangThai: '4',
      portalRows: 1,
      sentRows: 2,
    });
    await reconcile(M);
    await waitFor('row back', () => portal.progress(M).length === 2);
    await settled(M);
    expect((await reconcile(M)).agreed).toBe(1);
    expect(portal.dossier(M)!.writes.progressRows).toBe(writesBefore + 1);
    expect(
      portal.progress(M).some((r) => r.ThoiDiemXuLy === removed.ThoiDiemXuLy && r.TrangThai === '4'),
    ).toBe(true);
    expect(portal.duplicateProgressRows(M)).toEqual([]);
    // The row sent again set the portal to 4; the record put the current 5 back.
    expect(portal.record(M)?.TrangThaiHoSo).toBe('5');
  });

  it('When the portal loses the status and the appointment date moves earlier, then one record sync repairs both', async () => {
    const { portal } = stack;
    const M = await landAtFour('RCR');
    portal.changeSilently(M, { TrangThaiHoSo: '2', NgayHenTra: '20251110170000' });
    const run = await reconcile(M);
    expect(run).toMatchObject({ findings: 2, repaired: 2, open: 0 });
    const kinds = (await findings(M)).map((f) => [f.kind, f.classification, f.state]).sort();
    expect(kinds).toEqual([
      ['appointment', 'repairable', 'repaired'],
      ['portal-status', 'repairable', 'repaired'],
    ]);
    await waitFor('record synced', () => portal.record(M)?.TrangThaiHoSo === '4');
    expect(portal.record(M)?.NgayHenTra).toBe('20251119170000');
    await settled(M);
    expect((await reconcile(M)).agreed).toBe(1);
  });

  it('When the portal shows a later appointment, a duplicate exists at the land registry, or land lost the dossier, then each waits for a person until resolved by hand', async () => {
    const { land, portal } = stack;
    const later = await landAtFour('RCL');
    portal.changeSilently(later, { NgayHenTra: '20251231170000' });
    const twice = await landAtFour('RCD');
    // Entered a second time by hand, directly at the land registry.
    const payload = await call<{ payload: { body: unknown } }>(
      'GET',
      `/admin/deliveries/${encodeURIComponent(`${twice}~land~tiepnhan`)}`,
    );
    const dup = await fetch(`${land.url}/api/motcua/tiepnhan`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-VBDLIS-Key': LAND_KEY },
      body: JSON.stringify(payload.body.payload.body),
    });
    expect(dup.status).toBe(200);
    expect(land.entries(twice)).toBe(2);
    const lost = await landAtFour('RCU');
    expect(land.forgetSilently(lost)).toBe(1);

    const run = await reconcile(later, twice, lost);
    expect(run).toMatchObject({ checked: 3, findings: 3, repaired: 0, open: 3 });
    const [a] = await findings(later);
    expect(a).toMatchObject({ kind: 'appointment', classification: 'needs-person', state: 'open' });
    expect(a!.evidence).toEqual({ portal: '20251231170000', gateway: '20251119170000' });
    const [b] = await findings(twice);
    expect(b).toMatchObject({
      kind: 'system-duplicate',
      party: 'land',
      classification: 'needs-person',
      state: 'open',
    });
    expect((b!.evidence.entries as unknown[]).length).toBe(2);
    const [c] = await findings(lost);
    expect(c).toMatchObject({
      kind: 'system-unknown',
      party: 'land',
      classification: 'needs-person',
      state: 'open',
    });
    expect(portal.record(later)?.NgayHenTra).toBe('20251231170000');

    // A viewer may read them but not resolve them; an operator resolves one with a reason, once.
    const asViewer = await call<{ code: string }>('POST', `/admin/reconciliation/findings/${b!.id}/resolve`, {
      token: VIEWER_TOKEN,
      body: { reason: 'merged by hand' },
    });
    expect(asViewer.status).toBe(403);
    const noReason = await call<{ code: string }>('POST', `/admin/reconciliation/findings/${b!.id}/resolve`, {
      body: {},
    });
    expect(noReason.status).toBe(422);
    const ok = await call<Finding>('POST', `/admin/reconciliation/findings/${b!.id}/resolve`, {
      body: { reason: 'hồ sơ 152xxx huỷ tại VPĐKĐĐ, phiếu 123' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      state: 'resolved',
      resolution: { by: 'ops', reason: 'hồ sơ 152xxx huỷ tại VPĐKĐĐ, phiếu 123' },
    });
    const again = await call<{ code: string }>('POST', `/admin/reconciliation/findings/${b!.id}/resolve`, {
      body: { reason: 'twice' },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('GW_ERR_FINDING_STATE_CONFLICT');
    const unknown = await call<{ code: string }>(
      'POST',
      '/admin/reconciliation/findings/00000000000000000000/resolve',
      {
        body: { reason: 'nothing' },
      },
    );
    expect(unknown.body.code).toBe('GW_ERR_FINDING_NOT_FOUND');
    const audit = await call<{ items: Array<{ action: string; dossiers: string[]; reason: string }> }>(
      'GET',
      '/admin/audit?action=resolve-finding',
    );
    expect(audit.body.items).toEqual([
      expect.objectContaining({ dossiers: [twice], reason: 'hồ sơ 152xxx huỷ tại VPĐKĐĐ, phiếu 123' }),
    ]);

    // Seen again: the resolved one stays resolved, the others stay open; nothing is repaired.
    const rerun = await reconcile(later, twice, lost);
    expect(rerun).toMatchObject({ repaired: 0, open: 2 });
    expect((await findings(twice))[0]).toMatchObject({ state: 'resolved', seen: 2 });
    expect(land.entries(twice)).toBe(2);
    expect(land.entries(lost)).toBe(0);
    const open = await call<{ items: Finding[] }>('GET', '/admin/reconciliation/findings', {
      token: VIEWER_TOKEN,
    });
    expect(open.body.items.map((f) => f.MaHoSo)).toEqual(expect.arrayContaining([later, lost]));
    expect(open.body.items.map((f) => f.MaHoSo)).not.toContain(twice);
  });

  it('When runs are asked for, then they are audited, one runs at a time, the schedule exists, and the report sums them per system and agency', async () => {
    const M = await landAtFour('RCX');
    const [r1, r2] = await Promise.all([reconcile(M), reconcile(M)]);
    const [a, b] = [r1, r2].sort((x, y) => x.startedAt!.localeCompare(y.startedAt!));
    expect(b!.startedAt! >= a!.finishedAt!).toBe(true);
    const audit = await call<{ items: Array<{ action: string; target: string }> }>(
      'GET',
      '/admin/audit?action=reconcile',
    );
    expect(audit.body.items.map((e) => e.target)).toEqual(
      expect.arrayContaining([`reconciliation:${r1.id}`, `reconciliation:${r2.id}`]),
    );
    const scheduler = await stack.gateway!.queues.poll.getJobScheduler('reconcile');
    expect(scheduler?.every).toBe(3_600_000);

    const report = await call<ReconciliationReport>('GET', '/v1/reports/reconciliation', {
      token: VIEWER_TOKEN,
    });
    expect(report.status).toBe(200);
    expect(report.body.run?.id).toBe(b!.id);
    expect(report.body.bySystem.land).toMatchObject({ checked: 1, agreed: 1, repaired: 0, open: 0 });
    const agency = (stack.portal.record(M) as unknown as DossierRecord).DonViXuLy;
    expect(report.body.byAgency[agency]).toMatchObject({ checked: 1, agreed: 1 });
    expect(report.body.openNow.total).toBeGreaterThanOrEqual(2);
    expect(report.body.openNow.bySystem.land).toBeGreaterThanOrEqual(1);
    const older = await call<ReconciliationReport>('GET', `/v1/reports/reconciliation?run=${a!.id}`);
    expect(older.body.run?.id).toBe(a!.id);
    const none = await call<{ code: string }>('GET', '/v1/reports/reconciliation?run=nope');
    expect(none.body.code).toBe('GW_ERR_RECONCILIATION_NOT_FOUND');
    const anonymous = await call<{ code: string }>('GET', '/v1/reports/reconciliation', { token: null });
    expect(anonymous.status).toBe(401);
  });
});
