import { describe, expect, it } from 'vitest';
import { maskIdentity } from '../../src/admin/identity-mask.js';
import { decodeCursor, encodeCursor } from '../../src/admin/delivery-query.js';
import { parseDeliveryFilter } from '../../src/admin/filter-params.js';

describe('identity masking for viewers', () => {
  it('When a JSON payload carries a citizen, then names become initials and numbers, dates and addresses keep their last 3 characters', () => {
    const out = maskIdentity({
      ChuSuDung: { HoTen: 'Nguyễn Văn Hùng', SoGiayTo: '040085001234', DiaChi: 'Khối 5, Vinh' },
      ThongTinThuaDat: { DiaChiThuaDat: 'Khối 5, phường Trường Vinh' },
      MaHoSoMotCua: 'H40.22-251105-0001',
    });
    expect(out).toEqual({
      ChuSuDung: { HoTen: 'N*** V*** H***', SoGiayTo: '***234', DiaChi: '***inh' },
      ThongTinThuaDat: { DiaChiThuaDat: 'Khối 5, phường Trường Vinh' },
      MaHoSoMotCua: 'H40.22-251105-0001',
    });
  });

  it('When an XML payload carries a citizen, then the element contents are masked in every spelling, and loose identity numbers too', () => {
    const xml =
      '<hoTich><hoTen>Trần Thị Mai</hoTen><ngaySinh>2025-10-01</ngaySinh><ns:SO_CCCD>040085001234</ns:SO_CCCD>' +
      '<ghiChu>CCCD 040085009876</ghiChu><maHoSo>H40.22-1</maHoSo></hoTich>';
    const out = maskIdentity(xml) as string;
    expect(out).toContain('<hoTen>T*** T*** M***</hoTen>');
    expect(out).toContain('<ngaySinh>***-01</ngaySinh>');
    expect(out).toContain('<ns:SO_CCCD>***234</ns:SO_CCCD>');
    expect(out).not.toContain('040085009876');
    expect(out).toContain('<maHoSo>H40.22-1</maHoSo>');
  });
});

describe('delivery listing parameters', () => {
  it('When a cursor is encoded, then it decodes to the same position; garbage decodes to null', () => {
    const p = { score: 1762300000123, id: 'H40.22-1~land~tiepnhan' };
    expect(decodeCursor(encodeCursor(p))).toEqual(p);
    expect(decodeCursor('not-a-cursor')).toBeNull();
  });

  it('When filters are given, then waiting means queued, dates are read in Vietnam time, and every problem is reported', () => {
    const ok = parseDeliveryFilter(
      { state: 'waiting,dead', system: 'land', from: '2025-11-05', to: '2025-11-06T00:00:00+07:00' },
      { systems: ['land'], defaultStates: ['failed', 'dead'], base: '/query' },
    );
    expect(ok.violations).toEqual([]);
    expect(ok.filter).toMatchObject({
      states: ['queued', 'dead'],
      system: 'land',
      fromMs: Date.parse('2025-11-05T00:00:00+07:00'),
      toMs: Date.parse('2025-11-06T00:00:00+07:00'),
    });
    const bad = parseDeliveryFilter(
      { state: 'lost', system: 'mars', code: 'NOPE', from: 'yesterday', MaHoSo: 'a b' },
      { systems: ['land'], defaultStates: ['failed', 'dead'], base: '/query' },
    );
    expect(bad.violations.map((v) => v.path).sort()).toEqual(
      ['/query/MaHoSo', '/query/code', '/query/from', '/query/state', '/query/system'].sort(),
    );
  });
});
