import { describe, expect, it } from 'vitest';
import { LandAdapter } from '../../adapters/land/index.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { createLogger } from '../../src/logging/logger.js';
import { specExample } from '../helpers/stack.js';

const record = specExample<{ data: DossierRecord[] }>('portal/feed-land-tax.json').data[0]!;
const adapter = new LandAdapter({
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'k',
  timeoutMs: 1000,
  tinhId: 40,
  callbackSecurityCode: 'Xk29Qm7Lp4Tz',
});
const log = createLogger('silent');

function body(operation: string, params: Record<string, unknown> = {}, externalId?: string): unknown {
  return (adapter as unknown as { body(ctx: unknown): unknown }).body({
    deliveryId: 'x',
    operation,
    params,
    record,
    externalId,
    attempt: 1,
    facts: {},
    log,
  });
}

describe('land mappings (mappings/land.json)', () => {
  it('When the spec example dossier is mapped for tiepnhan, then the body equals land.md §3.4 example exactly', () => {
    expect(body('tiepnhan')).toEqual(specExample('land/tiepnhan-request.json'));
  });

  it('When a supplement handed in at the desk is mapped, then the times are converted to UTC without offset', () => {
    expect(
      body(
        'capnhattrangthaibosunghoso',
        {
          NgayTiepNhanBoSung: '20251110090000',
          NoiDungBoSung: 'Đã nộp bản sao hợp đồng chuyển nhượng quyền sử dụng đất có công chứng',
        },
        '152347',
      ),
    ).toEqual(specExample('land/capnhattrangthaibosunghoso-request.json'));
    expect(body('capnhattrangthaitraketquahoso', { NgayTra: '20251125093000' }, '152347')).toEqual(
      specExample('land/capnhattrangthaitraketquahoso-request.json'),
    );
  });

  it('When a version is planned, then operations are named by intent so repeats map to the same deliveries', () => {
    const first = adapter.plan({ previous: null, current: record });
    expect(first.map((o) => o.intentKey)).toEqual(['tiepnhan']);
    const supplement = structuredClone(record);
    supplement.TrangThaiHoSo = '4';
    supplement.DanhSachHoSoBoSung = [
      {
        MaHoSoBoSung: 'H40.22-251105-0001-BS01',
        NgayYeuCauBoSung: '20251107100000',
        NoiDungYeuCau: 'x',
        NgayHenTraTruoc: '20251119170000',
        NgayHenTraMoi: '',
        NgayTiepNhanBoSung: '20251110090000',
        NoiDungBoSung: 'y',
      },
    ];
    const ops = adapter.plan({ previous: record, current: supplement });
    expect(ops.map((o) => o.intentKey)).toEqual(['tiepnhan', 'bosung-H40.22-251105-0001-BS01']);
    expect(adapter.plan({ previous: supplement, current: supplement })).toEqual(ops);
  });

  it('When a dossier lacks the parcel block, then the land registry requirements name the field', () => {
    const noParcel = structuredClone(record);
    delete noParcel.ThongTinThuaDat;
    expect(adapter.requirements(noParcel)).toEqual([
      { path: '/ThongTinThuaDat', message: expect.stringContaining('land registry') },
    ]);
    const badCommune = structuredClone(record);
    badCommune.ThongTinThuaDat!.SoThuTuThua = 'abc';
    expect(adapter.requirements(badCommune)[0]?.message).toContain('ThongTinThuaDat.SoThuTuThua');
  });
});

describe('land callbacks', () => {
  const parser = adapter.callbacks;
  it('When each example callback is parsed, then it yields the national status and local times (land.md §7.4)', () => {
    const cases: Array<[string, string]> = [
      ['ChuyenHoSo', '4'],
      ['YeuCauBoSungHoSo', '5'],
      ['NhanBoSungHoSo', '4'],
      ['GuiKetQuaThue', '6'],
      ['KetThucHoSo', '9'],
    ];
    for (const [op, status] of cases) {
      const e = parser.parse(op, specExample(`land/callback-${op}.json`));
      expect(e.status, op).toBe(status);
      expect(e.MaHoSo).toBe('H40.22-251105-0001');
      expect(e.externalId).toBe('152347');
    }
    const chuyen = parser.parse('ChuyenHoSo', specExample('land/callback-ChuyenHoSo.json'));
    expect(chuyen.occurredAt).toBe('20251105091000');
    expect(chuyen.progress).toMatchObject({
      NguoiXuLy: 'Trần Thị Mai',
      PhongBanXuLy: 'Phòng Đăng ký và Cấp giấy chứng nhận',
      NoiDungXuLy: 'Chuyển bước xử lý: Thẩm định hồ sơ',
    });
    const yc = parser.parse('YeuCauBoSungHoSo', specExample('land/callback-YeuCauBoSungHoSo.json'));
    expect(yc.progress?.NgayKetThucTheoQuyDinh).toBe('20251114170000');
    const kt = parser.parse('KetThucHoSo', specExample('land/callback-KetThucHoSo.json'));
    expect(kt.result).toEqual({
      NgayKetThucXuLy: '20251124150000',
      documents: [
        {
          TenGiayTo: 'Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất',
          MaGiayToKetQua: 'DP 123456',
          DuongDanTepTinKetQua: 'http://localhost:8082/api/motcua/tep/152347-gcn.pdf',
        },
      ],
    });
    const thue = parser.parse('GuiKetQuaThue', specExample('land/callback-GuiKetQuaThue.json'));
    expect(thue.taxNotices?.map((n) => n.SoThongBaoThue)).toEqual(['TB2511120001', 'TB2511120002']);
  });

  it('When a callback has a wrong type, a zone offset or a missing field, then it is refused naming the field', () => {
    const good = specExample<Record<string, unknown>>('land/callback-ChuyenHoSo.json');
    expect(() => parser.parse('ChuyenHoSo', { ...good, hoSoId: '152347' })).toThrow(/hoSoId/);
    expect(() => parser.parse('ChuyenHoSo', { ...good, ThoiDiem: '2025-11-05T02:10:00Z' })).toThrow(
      /ThoiDiem/,
    );
    const { BuocXuLy: _b, ...missing } = good;
    expect(() => parser.parse('ChuyenHoSo', missing)).toThrow(/BuocXuLy/);
    expect(() =>
      parser.parse('KetThucHoSo', {
        ...specExample<object>('land/callback-KetThucHoSo.json'),
        GiayToKetQua: [],
      }),
    ).toThrow(/GiayToKetQua/);
  });

  it('When the securityCode is compared, then only the exact code passes', () => {
    expect(parser.authenticate('Xk29Qm7Lp4Tz')).toBe(true);
    expect(parser.authenticate('Xk29Qm7Lp4T')).toBe(false);
    expect(parser.authenticate('')).toBe(false);
  });
});
