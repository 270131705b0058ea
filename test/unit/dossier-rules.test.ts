import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkConsistency,
  checkFieldDetails,
  isValidPortalDateTime,
  TERMINAL_STATUSES,
} from '../../src/domain/dossier-rules.js';

type Rec = Record<string, unknown>;
const example = (name: string): Rec =>
  JSON.parse(
    readFileSync(new URL(`../../../shared/specs/examples/portal/${name}`, import.meta.url), 'utf8'),
  ) as Rec;
/** The first (land/tax) dossier as first pushed: status "2", consistent. */
const base = (): Rec => (example('feed-land-tax.json').data as Rec[])[0] as Rec;
const rules = (r: Rec): string[] => checkConsistency(r).map((v) => v.rule);

describe('isValidPortalDateTime', () => {
  it('When the value is a real yyyyMMddHHmmss date-time, then it is valid', () => {
    for (const s of ['20251105083000', '20240229235959', '20000229000000', '19991231000000'])
      expect(isValidPortalDateTime(s), s).toBe(true);
  });

  it('When the value is not a real calendar date or time, then it is invalid', () => {
    for (const s of [
      '20250230090000',
      '20250229090000',
      '19000229000000',
      '20251301000000',
      '20251100000000',
    ])
      expect(isValidPortalDateTime(s), s).toBe(false);
    for (const s of ['20251105240000', '20251105236000', '20251105235960'])
      expect(isValidPortalDateTime(s), s).toBe(false);
  });

  it('When the value has another shape or type, then it is invalid', () => {
    for (const s of [
      '',
      '2025-11-05T08:30:00',
      '202511050830',
      '202511050830000',
      '2025110508300a',
      20251105083000,
      null,
    ])
      expect(isValidPortalDateTime(s), String(s)).toBe(false);
  });
});

describe('checkConsistency (portal.md §3.5)', () => {
  it('When a record is taken from any example feed or request, then no rule is broken', () => {
    for (const f of [
      'feed-land-tax.json',
      'feed-birth.json',
      'feed-death-bhxh.json',
      'feed-document.json',
      'feed-supplement-received.json',
      'feed-result-returned.json',
      'dongbohosomc-request.json',
      'dongbohosomc-request-apology.json',
    ])
      expect(checkConsistency((example(f).data as Rec[])[0] as Rec), f).toEqual([]);
  });

  it('When NgayTiepNhan is empty and the status is not 1, then R1 fails on /NgayTiepNhan; status 1 may omit it', () => {
    const r = { ...base(), NgayTiepNhan: '' };
    expect(checkConsistency(r)).toContainEqual({
      rule: 'R1',
      path: '/NgayTiepNhan',
      message: 'R1: NgayTiepNhan is required unless TrangThaiHoSo is 1',
    });
    expect(rules({ ...r, NgayHenTra: '', TrangThaiHoSo: '1' })).toEqual([]);
    expect(rules({ ...base(), NgayTiepNhan: null })).toContain('R1');
    const { NgayTiepNhan: _omitted, ...absent } = base();
    expect(rules(absent)).toContain('R1');
  });

  it('When NgayHenTra is empty, then R2 fails unless the status is 1 or 3', () => {
    const r = { ...base(), NgayHenTra: '' };
    expect(checkConsistency(r)).toEqual([
      {
        rule: 'R2',
        path: '/NgayHenTra',
        message: 'R2: NgayHenTra is required unless TrangThaiHoSo is 1 or 3',
      },
    ]);
    expect(rules({ ...r, TrangThaiHoSo: '3', NgayTuChoi: '20251105090000' })).toEqual([]);
    expect(rules({ ...r, TrangThaiHoSo: '1' })).toEqual([]);
  });

  it('When the status is 3 without NgayTuChoi, then R3 fails', () => {
    expect(checkConsistency({ ...base(), TrangThaiHoSo: '3' })).toEqual([
      { rule: 'R3', path: '/NgayTuChoi', message: 'R3: NgayTuChoi is required when TrangThaiHoSo is 3' },
    ]);
  });

  it('When the status is 9 or 10 without NgayKetThucXuLy, then R4 fails', () => {
    expect(checkConsistency({ ...base(), TrangThaiHoSo: '9' })).toEqual([
      {
        rule: 'R4',
        path: '/NgayKetThucXuLy',
        message: 'R4: NgayKetThucXuLy is required when TrangThaiHoSo is 9 or 10',
      },
    ]);
    expect(rules({ ...base(), TrangThaiHoSo: '10', NgayTra: '20251125093000' })).toEqual(['R4']);
    expect(rules({ ...base(), TrangThaiHoSo: '9', NgayKetThucXuLy: '20251124150000' })).toEqual([]);
  });

  it('When the status is 10 without NgayTra, then R5 fails', () => {
    expect(checkConsistency({ ...base(), TrangThaiHoSo: '10', NgayKetThucXuLy: '20251124150000' })).toEqual([
      { rule: 'R5', path: '/NgayTra', message: 'R5: NgayTra is required when TrangThaiHoSo is 10' },
    ]);
  });

  it('When the status is 5 with no supplement request, then R6 fails', () => {
    expect(checkConsistency({ ...base(), TrangThaiHoSo: '5' })).toEqual([
      {
        rule: 'R6',
        path: '/DanhSachHoSoBoSung',
        message: 'R6: DanhSachHoSoBoSung must have at least one entry when TrangThaiHoSo is 5',
      },
    ]);
    expect(rules({ ...base(), TrangThaiHoSo: '5', DanhSachHoSoBoSung: null })).toEqual(['R6']);
  });

  it('When dates run backwards, then R7 fails on the later field of each pair; equal dates pass', () => {
    const v = checkConsistency({ ...base(), NgayTiepNhan: '20251105080000' });
    expect(v.map((x) => [x.rule, x.path])).toEqual([['R7', '/NgayTiepNhan']]);
    expect(v[0]?.message).toMatch(
      /^R7: NgayTiepNhan \(20251105080000\) must not be earlier than NgayNopHoSo/,
    );
    expect(
      checkConsistency({ ...base(), NgayHenTra: '20251105082959' }).map((x) => [x.rule, x.path]),
    ).toEqual([['R7', '/NgayHenTra']]);
    expect(rules({ ...base(), NgayTiepNhan: '20251105081500', NgayHenTra: '20251105081500' })).toEqual([]);
  });

  it('When a citizen (LoaiDoiTuong 1) has no DinhDanhCHS item, then R8 fails; an enterprise may have none', () => {
    expect(checkConsistency({ ...base(), DinhDanhCHS: [] })).toEqual([
      {
        rule: 'R8',
        path: '/DinhDanhCHS',
        message: 'R8: DinhDanhCHS must have at least one item when LoaiDoiTuong is 1',
      },
    ]);
    expect(rules({ ...base(), DinhDanhCHS: [], LoaiDoiTuong: '2' })).toEqual([]);
  });

  it('When apology letters exist, then R9 requires NgayHenTra to equal the last letter’s NgayHenTraMoi', () => {
    const apology = (example('dongbohosomc-request-apology.json').data as Rec[])[0] as Rec;
    expect(rules(apology)).toEqual([]);
    const stale = { ...apology, NgayHenTra: '20251119170000' };
    const v = checkConsistency(stale);
    expect(v.map((x) => [x.rule, x.path])).toEqual([['R9', '/NgayHenTra']]);
    expect(v[0]?.message).toContain('20251126170000');
    const second = {
      SoVanBan: '16/PXL-TTPVHCC',
      NgayXinLoi: '20251126100000',
      LyDo: 'Chờ kết quả thuế',
      NgayHenTraTruoc: '20251126170000',
      NgayHenTraMoi: '20251203170000',
    };
    const letters = apology.DanhSachXinLoi as Rec[];
    expect(rules({ ...apology, DanhSachXinLoi: [...letters, second] })).toEqual(['R9']);
    expect(rules({ ...apology, DanhSachXinLoi: [...letters, second], NgayHenTra: '20251203170000' })).toEqual(
      [],
    );
  });

  it('When several rules are broken, then all are reported in rule order', () => {
    expect(
      rules({ ...base(), TrangThaiHoSo: '10', NgayTiepNhan: '', NgayHenTra: '', DinhDanhCHS: [] }),
    ).toEqual(['R1', 'R2', 'R4', 'R5', 'R8']);
  });

  it('When the terminal statuses are listed, then they are 3, 7, 8 and 10 (README §3.1)', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['10', '3', '7', '8']);
  });
});

describe('checkFieldDetails', () => {
  it('When a date-time has the right shape but is not a real date, then F1 names its path', () => {
    const r = { ...base(), NgayHenTra: '20250230170000' };
    expect(checkFieldDetails(r)).toEqual([
      {
        rule: 'F1',
        path: '/NgayHenTra',
        message: 'F1: NgayHenTra (20250230170000) is not a real date and time',
      },
    ]);
    const birth = (example('feed-birth.json').data as Rec[])[0] as Rec;
    const hoTich = structuredClone(birth.HoTich) as { NguoiDuocKhaiSinh: Rec };
    hoTich.NguoiDuocKhaiSinh.NgaySinh = '20251131000000';
    expect(checkFieldDetails({ ...birth, HoTich: hoTich }).map((v) => v.path)).toEqual([
      '/HoTich/NguoiDuocKhaiSinh/NgaySinh',
    ]);
  });

  it('When two supplement requests share MaHoSoBoSung, then F2 fails on the second', () => {
    const r = (example('dongbohosomc-request.json').data as Rec[])[0] as Rec;
    const entry = (r.DanhSachHoSoBoSung as Rec[])[0] as Rec;
    expect(
      checkFieldDetails({ ...r, DanhSachHoSoBoSung: [entry, { ...entry }] }).map((v) => [v.rule, v.path]),
    ).toEqual([['F2', '/DanhSachHoSoBoSung/1/MaHoSoBoSung']]);
  });

  it('When an apology letter does not move the appointment later, then F3 fails', () => {
    const r = (example('dongbohosomc-request-apology.json').data as Rec[])[0] as Rec;
    const letter = { ...((r.DanhSachXinLoi as Rec[])[0] as Rec), NgayHenTraMoi: '20251119170000' };
    expect(checkFieldDetails({ ...r, DanhSachXinLoi: [letter] }).map((v) => [v.rule, v.path])).toEqual([
      ['F3', '/DanhSachXinLoi/0/NgayHenTraMoi'],
    ]);
    expect(checkFieldDetails(r)).toEqual([]);
  });
});
