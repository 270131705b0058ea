import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { formatPortalDateTime } from '../../src/domain/time.js';
import { OverdueScanner } from '../../src/deadlines/overdue-scanner.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    name: 'deadlines',
    systems: 'all',
    patch: (raw) => {
      raw.deadlines = { enabled: true, scanIntervalMs: 300, apologyExtensionWorkingDays: 5 };
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const hoursFromNow = (h: number): string => formatPortalDateTime(new Date(Date.now() + h * 3600_000));

function overdueRows(M: string): number {
  return stack.portal.progress(M).filter((r) => String(r.NoiDungXuLy).startsWith('Hồ sơ quá hạn')).length;
}

async function pushed(d: DossierRecord): Promise<void> {
  stack.portal.seed(d);
  const r = await stack.portal.push(d.MaHoSo);
  expect(r.lastStatusCode).toBe(202);
}

describe('deadlines and apology letters', () => {
  it('When a dossier passes its appointment date, then it is marked overdue once, an apology letter is signed, and the portal gets the new date with the old one recorded', async () => {
    const { land, doc, portal } = stack;
    const M = nextCode('LATE');
    const d = landDossier(M); // appointment 19/11/2025: long past
    delete d.Thue;
    await pushed(d);
    await waitFor('entered', () => land.entries(M) === 1);
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('overdue row at the portal', () => overdueRows(M) === 1);
    expect(await stack.gateway!.store.redis.sismember(stack.gateway!.keys.overdue(), M)).toBe(1);
    expect(
      stack.portal.progress(M).find((r) => String(r.NoiDungXuLy).startsWith('Hồ sơ quá hạn'))?.NoiDungXuLy,
    ).toContain('Văn phòng đăng ký đất đai');
    await waitFor('apology letter at document management', () => doc!.entries(M, 'apology') === 1);
    doc!.setStatus(M, '06');
    await waitFor(
      'new appointment at the portal',
      () => (portal.record(M) as unknown as DossierRecord).DanhSachXinLoi?.length === 1,
      20_000,
    );
    const rec = portal.record(M) as unknown as DossierRecord;
    const letter = rec.DanhSachXinLoi![0]!;
    expect(letter.NgayHenTraTruoc).toBe('20251119170000');
    expect(letter.NgayHenTraMoi > formatPortalDateTime(new Date())).toBe(true);
    expect(letter.NgayHenTraMoi.endsWith('170000')).toBe(true);
    expect(rec.NgayHenTra).toBe(letter.NgayHenTraMoi);
    expect(letter.LyDo.length).toBeGreaterThan(10);
    await waitFor(
      'no longer counted overdue',
      async () => (await stack.gateway!.store.redis.sismember(stack.gateway!.keys.overdue(), M)) === 0,
    );
    // The new date is in the future: scanning again neither marks it again nor drafts a second letter.
    await sleep(1000);
    expect(overdueRows(M)).toBe(1);
    expect(doc!.entries(M, 'apology')).toBe(1);
    expect(portal.duplicateProgressRows(M)).toEqual([]);
  });

  it('When several workers scan at the same time, then a late dossier is marked once', async () => {
    const { land, gateway } = stack;
    const M = nextCode('RACE');
    const d = landDossier(M);
    delete d.Thue;
    await pushed(d);
    await waitFor('entered', () => land.entries(M) === 1);
    const other = new OverdueScanner({
      redis: gateway!.store.redis,
      keys: gateway!.keys,
      store: gateway!.store,
      queues: gateway!.queues,
      log: gateway!.log,
      actorName: 'x',
      reorderWindowMs: 100,
      proposeNewDate: (from) => new Date(from.getTime() + 7 * 86400_000),
      apologyReason: 'r',
      sendLetters: true,
      systemNames: {},
    });
    const results = await Promise.all([
      gateway!.deadlineScanner!.scan(),
      other.scan(),
      other.scan(),
      gateway!.deadlineScanner!.scan(),
    ]);
    const marks = results.flatMap((r) => r.marked).filter((m) => m === M);
    expect(marks.length).toBeLessThanOrEqual(1);
    await waitFor('overdue row', () => overdueRows(M) === 1);
    await sleep(800);
    expect(overdueRows(M)).toBe(1);
    expect(stack.doc!.entries(M, 'apology')).toBe(1);
  });

  it('When the citizen took two days to hand in a supplement, then that time does not make the dossier late', async () => {
    const { land } = stack;
    const M = nextCode('SUPP');
    const d = landDossier(M);
    delete d.Thue;
    d.NgayTiepNhan = hoursFromNow(-96);
    d.NgayNopHoSo = d.NgayTiepNhan;
    d.NgayHenTra = hoursFromNow(-1); // one hour late on the calendar …
    d.TrangThaiHoSo = '2';
    d.DanhSachHoSoBoSung = [
      {
        MaHoSoBoSung: `${M}-BS01`,
        NgayYeuCauBoSung: hoursFromNow(-72),
        NoiDungYeuCau: 'Bổ sung hợp đồng',
        NgayHenTraTruoc: d.NgayHenTra,
        NgayHenTraMoi: '',
        NgayTiepNhanBoSung: hoursFromNow(-24), // … but the agency waited 48 hours for the citizen
        NoiDungBoSung: 'Đã nộp',
      },
    ];
    await pushed(d);
    await waitFor('entered', () => land.entries(M) === 1);
    await sleep(1200);
    expect(overdueRows(M)).toBe(0);
    expect(stack.doc!.entries(M, 'apology')).toBe(0);
  });

  it('When the signed letter carries no new date, then nothing changes at the portal and the status is kept for an administrator', async () => {
    const { land, doc, portal, gateway } = stack;
    const M = nextCode('NODATE');
    const d = landDossier(M);
    delete d.Thue;
    await pushed(d);
    await waitFor('entered', () => land.entries(M) === 1);
    await waitFor('apology letter sent', () => doc!.entries(M, 'apology') === 1);
    const rejectsBefore = await gateway!.store.redis.llen(gateway!.keys.pollRejects('document'));
    doc!.setStatus(M, '06', { NgayHenTraMoi: null });
    await waitFor(
      'kept as a reject',
      async () => (await gateway!.store.redis.llen(gateway!.keys.pollRejects('document'))) > rejectsBefore,
    );
    await sleep(500);
    const rec = portal.record(M) as unknown as DossierRecord;
    expect(rec.DanhSachXinLoi ?? []).toHaveLength(0);
    expect(rec.NgayHenTra).toBe('20251119170000');
  });

  it("When a late dossier's appointment date would change without a signed letter, then the gateway refuses to send it", async () => {
    const { land, gateway, portal } = stack;
    const M = nextCode('NOLET');
    const d = landDossier(M);
    delete d.Thue;
    await pushed(d);
    await waitFor('entered', () => land.entries(M) === 1);
    await waitFor('overdue', () => overdueRows(M) === 1);
    // Something (a bug, a hand edit) moves the appointment without a letter.
    const r = gateway!.store.redis;
    const stored = await gateway!.store.get(M);
    const moved = { ...stored!.record, NgayHenTra: hoursFromNow(24 * 30) };
    await r.hset(gateway!.keys.dossier(M), 'record', JSON.stringify(moved));
    await r.rpush(
      gateway!.keys.outbox(M),
      JSON.stringify({ id: 'manual:record', kind: 'record', status: stored!.status }),
    );
    await gateway!.queues.kickSync(M);
    await waitFor('refused', async () => (await r.llen(gateway!.keys.outboxFailed(M))) === 1);
    expect(JSON.parse((await r.lindex(gateway!.keys.outboxFailed(M), 0))!).reason).toContain(
      'without a signed apology letter',
    );
    expect((portal.record(M) as unknown as DossierRecord).NgayHenTra).toBe('20251119170000');
  });
});
