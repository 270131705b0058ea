import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { specExample, startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const feed = specExample<{ data: DossierRecord[] }>('portal/feed-land-tax.json');
const base = feed.data[0]!;

function dossier(M: string): DossierRecord {
  return { ...structuredClone(base), MaHoSo: M };
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'happy' });
});
afterAll(async () => {
  await stack?.close();
});

describe('land registry end to end', () => {
  it('When a land dossier goes 2 → 4 → 5 → supplement → 4 → 9 → result handed over → 10, then both sides follow exactly once', async () => {
    const { land, portal } = stack;
    const M = 'H40.22-251105-1001';
    portal.seed(dossier(M));
    const first = await portal.push(M);
    expect(first.lastStatusCode).toBe(202);
    await waitFor('tiepnhan at the land registry', () => land.entries(M) === 1);

    land.transfer(M, {
      BuocXuLy: 'Thẩm định hồ sơ',
      PhongBan: 'Phòng Đăng ký và Cấp giấy chứng nhận',
      NguoiXuLy: 'Trần Thị Mai',
    });
    await waitFor('status 4 at the portal', () => portal.record(M)?.TrangThaiHoSo === '4');

    land.requestSupplement(M, { NoiDungYeuCau: 'Bổ sung bản sao hợp đồng chuyển nhượng có công chứng' });
    // The desk acts once the portal shows the request (its progress row is the gateway's last write).
    await waitFor('status 5 and its row at the portal', () =>
      portal.progress(M).some((r) => r.TrangThai === '5'),
    );
    const withRequest = portal.record(M) as unknown as DossierRecord;
    expect(withRequest.DanhSachHoSoBoSung).toHaveLength(1);
    expect(withRequest.DanhSachHoSoBoSung![0]!.NoiDungYeuCau).toBe(
      'Bổ sung bản sao hợp đồng chuyển nhượng có công chứng',
    );
    expect(withRequest.DanhSachHoSoBoSung![0]!.MaHoSoBoSung).toBe(`${M}-BS01`);

    await portal.handInSupplement(M, {
      NgayTiepNhanBoSung: '20251110090000',
      NoiDungBoSung: 'Đã nộp bản sao hợp đồng',
    });
    await waitFor(
      'supplement recorded at land',
      () => land.counters().supplementsRecorded === 1 && land.dossiers(M)[0]?.TrangThai === 2,
    );
    await waitFor('NhanBoSungHoSo back at the portal', () =>
      portal.progress(M).some((r) => String(r.NoiDungXuLy).includes('đã nhận hồ sơ bổ sung')),
    );

    land.finish(M, { TrangThaiKetThuc: 0 });
    await waitFor('status 9 and its row at the portal', () =>
      portal.progress(M).some((r) => r.TrangThai === '9'),
    );
    const done = portal.record(M) as unknown as DossierRecord;
    expect(done.NgayKetThucXuLy).toMatch(/^\d{14}$/);
    expect(done.DanhSachGiayToKetQua!.length).toBeGreaterThanOrEqual(1);
    // What the portal pushed must survive the gateway's full-record writes.
    expect(done.DanhSachHoSoBoSung![0]!.NgayTiepNhanBoSung).toBe('20251110090000');
    expect(done.ChuHoSo).toBe('Nguyễn Văn Hùng');

    await portal.handOverResult(M, '20251125093000');
    await waitFor('land status 8 (result handed over)', () => land.dossiers(M)[0]?.TrangThai === 8);

    expect(land.entries(M)).toBe(1);
    const statuses = portal.statuses(M).filter((s, i, a) => i === 0 || a[i - 1] !== s);
    expect(statuses).toEqual(['2', '4', '5', '4', '9', '10']);
    expect(portal.duplicateProgressRows(M)).toEqual([]);
    const rows = portal.progress(M);
    expect(rows.map((r) => r.TrangThai)).toEqual(['4', '5', '4', '9']);
    expect(rows[0]).toMatchObject({
      NguoiXuLy: 'Trần Thị Mai',
      NoiDungXuLy: 'Chuyển bước xử lý: Thẩm định hồ sơ',
    });

    const res = await fetch(`${stack.gatewayUrl}/v1/dossiers/${M}`, {
      headers: { 'X-MotCua-Key': 'feed-key-for-tests-0001' },
    });
    expect(res.status).toBe(200);
    const view = (await res.json()) as {
      TrangThaiHoSo: string;
      systems: { land: { externalId: string; deliveries: Array<{ operation: string; state: string }> } };
      timeline: Array<{ type: string }>;
    };
    expect(view.TrangThaiHoSo).toBe('10');
    expect(view.systems.land.externalId).toBe(String(land.dossiers(M)[0]!.hoSoId));
    expect(view.systems.land.deliveries.map((d) => [d.operation, d.state])).toEqual([
      ['tiepnhan', 'delivered'],
      ['capnhattrangthaibosunghoso', 'delivered'],
      ['capnhattrangthaitraketquahoso', 'delivered'],
    ]);
    expect(view.timeline.map((t) => t.type)).toEqual(
      expect.arrayContaining(['received', 'delivered', 'callback', 'portal-synced']),
    );
  });
});
