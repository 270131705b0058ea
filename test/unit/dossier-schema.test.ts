import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';

type Rec = Record<string, unknown>;
const read = (url: URL): unknown => JSON.parse(readFileSync(url, 'utf8'));
const examplesDir = new URL('../../../shared/specs/examples/portal/', import.meta.url);
const example = (name: string): Rec => read(new URL(name, examplesDir)) as Rec;
const dossierSchema = read(new URL('../../schemas/dossier.schema.json', import.meta.url)) as Rec;
const envelopeSchema = read(new URL('../../schemas/feed-envelope.schema.json', import.meta.url)) as Rec;

const ajv = new Ajv2020({ allErrors: true });
addFormats.default(ajv);
ajv.addSchema(dossierSchema);
const validateEnvelope = ajv.compile(envelopeSchema);
const validateRecord = ajv.getSchema('https://lienthong.local/schemas/dossier.schema.json');
if (!validateRecord) throw new Error('dossier schema not registered under its $id');

const record = (name = 'feed-land-tax.json'): Rec => structuredClone((example(name).data as Rec[])[0] as Rec);
/** Concrete errors (without the if/allOf wrappers) as `instancePath keyword`. */
const errorsOf = (data: unknown): string[] => {
  validateRecord(data);
  return ((validateRecord.errors ?? []) as ErrorObject[])
    .filter((e) => !['if', 'allOf', 'anyOf'].includes(e.keyword))
    .map(
      (e) =>
        `${e.instancePath} ${e.keyword}${e.keyword === 'required' ? `:${String(e.params.missingProperty)}` : ''}`,
    );
};

describe('dossier.schema.json and feed-envelope.schema.json', () => {
  it('When the schemas are read, then both are draft 2020-12 with the lienthong $ids', () => {
    expect(dossierSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(dossierSchema.$id).toBe('https://lienthong.local/schemas/dossier.schema.json');
    expect(envelopeSchema.$id).toBe('https://lienthong.local/schemas/feed-envelope.schema.json');
  });

  it('When every example feed body is validated, then the envelope and its record are valid', () => {
    const feeds = readdirSync(examplesDir).filter((f) => /^feed-.*\.json$/.test(f));
    expect(feeds.length).toBeGreaterThanOrEqual(6);
    for (const f of feeds) {
      expect(validateEnvelope(example(f)), `${f}: ${JSON.stringify(validateEnvelope.errors)}`).toBe(true);
      expect(errorsOf(record(f)), f).toEqual([]);
    }
  });

  it('When the records of the DongBoHoSoMC example requests are validated, then they are valid', () => {
    expect(errorsOf(record('dongbohosomc-request.json'))).toEqual([]);
    expect(errorsOf(record('dongbohosomc-request-apology.json'))).toEqual([]);
  });

  it('When a scalar is a JSON number or boolean, then validation fails with the path of that field', () => {
    const r = record();
    (r.DanhSachLePhi as Rec[])[0]!.Gia = 100000;
    r.TrangThaiHoSo = 2;
    (r.ThongTinThuaDat as Rec).DienTich = 150.5;
    r.KenhThucHien = true;
    const errors = errorsOf(r);
    expect(errors).toContain('/DanhSachLePhi/0/Gia type');
    expect(errors).toContain('/TrangThaiHoSo type');
    expect(errors).toContain('/ThongTinThuaDat/DienTich type');
    expect(errors).toContain('/KenhThucHien type');
    const r2 = record();
    r2.MaHoSo = 12;
    expect(validateEnvelope({ ...example('feed-land-tax.json'), data: [r2] })).toBe(false);
    expect(validateEnvelope.errors?.map((e) => e.instancePath)).toContain('/data/0/MaHoSo');
  });

  it('When a required field is missing or empty, then it fails; optional fields may be ""', () => {
    const r = record();
    delete r.TenTTHC;
    delete r.TaiLieuNop;
    r.ChuHoSo = '';
    expect(errorsOf(r)).toEqual(
      expect.arrayContaining([' required:TenTTHC', ' required:TaiLieuNop', '/ChuHoSo minLength']),
    );
    const optional = record();
    Object.assign(optional, {
      Email: '',
      SoDienThoai: '',
      DiaChiChuHoSo: '',
      MaDoiTuong: '',
      NgayTiepNhan: '',
    });
    delete optional.DanhSachXinLoi;
    expect(errorsOf(optional)).toEqual([]);
  });

  it('When formats of §3 are broken, then each field fails', () => {
    const cases: Array<[string, (r: Rec) => void]> = [
      ['/MaHoSo pattern', (r) => (r.MaHoSo = 'H40.22/251105')],
      ['/MaTTHC pattern', (r) => (r.MaTTHC = '1.00422')],
      ['/KenhThucHien enum', (r) => (r.KenhThucHien = '4')],
      ['/LoaiDoiTuong enum', (r) => (r.LoaiDoiTuong = '0')],
      ['/TrangThaiHoSo enum', (r) => (r.TrangThaiHoSo = '11')],
      ['/SoGiayToChuHoSo pattern', (r) => (r.SoGiayToChuHoSo = '040 085')],
      ['/SoDienThoai pattern', (r) => (r.SoDienThoai = '912345678')],
      ['/Email format', (r) => (r.Email = 'not-an-email')],
      ['/NgayNopHoSo pattern', (r) => (r.NgayNopHoSo = '2025-11-05T08:15:00')],
      ['/NgayHenTra pattern', (r) => (r.NgayHenTra = '20251119')],
      ['/NgayTra pattern', (r) => (r.NgayTra = '20251325093000')],
      ['/TenTTHC maxLength', (r) => (r.TenTTHC = 'x'.repeat(501))],
      [
        '/TaiLieuNop/0/DuongDanTaiTepTin pattern',
        (r) => ((r.TaiLieuNop as Rec[])[0]!.DuongDanTaiTepTin = 'ftp://x/y.pdf'),
      ],
      ['/TaiLieuNop/0/DuocSoHoa enum', (r) => ((r.TaiLieuNop as Rec[])[0]!.DuocSoHoa = '2')],
      ['/DanhSachLePhi/0/Gia pattern', (r) => ((r.DanhSachLePhi as Rec[])[0]!.Gia = '100.000')],
      ['/DanhSachLePhi/0/HinhThucThu enum', (r) => ((r.DanhSachLePhi as Rec[])[0]!.HinhThucThu = '4')],
      [
        '/DinhDanhCHS maxItems',
        (r) => (r.DinhDanhCHS = Array(6).fill({ LoaiDinhDanh: '2', SoDinhDanh: '186543210' })),
      ],
      ['/ThongTinThuaDat/MaXa pattern', (r) => ((r.ThongTinThuaDat as Rec).MaXa = '1668')],
      ['/ThongTinThuaDat/DienTich not', (r) => ((r.ThongTinThuaDat as Rec).DienTich = '0.00')],
      ['/ThongTinThuaDat/DienTich pattern', (r) => ((r.ThongTinThuaDat as Rec).DienTich = '150,5')],
      ['/Thue/LoaiThue enum', (r) => ((r.Thue as Rec).LoaiThue = 'VAT')],
      ['/Thue/MaSoThue pattern', (r) => ((r.Thue as Rec).MaSoThue = '04008500123')],
    ];
    for (const [expected, mutate] of cases) {
      const r = record();
      mutate(r);
      expect(errorsOf(r), expected).toContain(expected);
    }
    const mst = record();
    (mst.Thue as Rec).MaSoThue = '0400850012-001';
    expect(errorsOf(mst)).toEqual([]);
  });

  it('When SoDinhDanh does not match LoaiDinhDanh, then it fails (12 digits for "1", 9 for "2")', () => {
    const r = record('feed-document.json');
    expect(errorsOf(r)).toEqual([]);
    (r.DinhDanhCHS as Rec[])[0]!.SoDinhDanh = '186543210';
    (r.DinhDanhCHS as Rec[])[1]!.SoDinhDanh = '040091005566';
    expect(errorsOf(r)).toEqual(['/DinhDanhCHS/0/SoDinhDanh pattern', '/DinhDanhCHS/1/SoDinhDanh pattern']);
  });

  it('When HoTich is KS without the child or mother, or KT without the deceased, then it fails', () => {
    const ks = record('feed-birth.json');
    delete (ks.HoTich as Rec).Me;
    delete (ks.HoTich as Rec).NguoiDuocKhaiSinh;
    expect(errorsOf(ks)).toEqual(
      expect.arrayContaining(['/HoTich required:NguoiDuocKhaiSinh', '/HoTich required:Me']),
    );
    const kt = record('feed-death-bhxh.json');
    delete (kt.HoTich as Rec).NguoiChet;
    expect(errorsOf(kt)).toContain('/HoTich required:NguoiChet');
    const mixed = record('feed-death-bhxh.json');
    (mixed.HoTich as Rec).NguoiDuocKhaiSinh = (record('feed-birth.json').HoTich as Rec).NguoiDuocKhaiSinh;
    expect(errorsOf(mixed)).toContain('/HoTich/NguoiDuocKhaiSinh false schema');
    const bad = record('feed-birth.json');
    ((bad.HoTich as Rec).NguoiDuocKhaiSinh as Rec).DanToc = '55';
    ((bad.HoTich as Rec).NguoiDuocKhaiSinh as Rec).NgaySinh = '20251028090000';
    expect(errorsOf(bad)).toEqual([
      '/HoTich/NguoiDuocKhaiSinh/NgaySinh pattern',
      '/HoTich/NguoiDuocKhaiSinh/DanToc pattern',
    ]);
  });

  it('When BHXH identifiers do not fit LoaiHoSo, then it fails', () => {
    const r = record('feed-death-bhxh.json');
    (r.BHXH as Rec).MaSoBHXH = '';
    delete (r.BHXH as Rec).SoCCCD;
    expect(errorsOf(r).sort()).toEqual(['/BHXH required:SoCCCD', '/BHXH/MaSoBHXH pattern']);

    const child = record('feed-birth.json');
    child.BHXH = {
      MaSoBHXH: '',
      LoaiHoSo: 'CAP_THE_BHYT_TRE_EM',
      HoTen: 'Trần Gia Hân',
      NgaySinh: '20251028000000',
      SoCCCD: '',
    };
    expect(errorsOf(child)).toEqual([]);
    (child.BHXH as Rec).MaSoBHXH = '4005123456';
    expect(errorsOf(child)).toEqual(['/BHXH/MaSoBHXH const']);

    const noBirth = record('feed-land-tax.json');
    noBirth.BHXH = {
      MaSoBHXH: '',
      LoaiHoSo: 'CAP_THE_BHYT_TRE_EM',
      HoTen: 'Trần Gia Hân',
      NgaySinh: '20251028000000',
      SoCCCD: '',
    };
    expect(errorsOf(noBirth)).toContain(' required:HoTich');
  });

  it('When VanBan has no receiving unit, then it fails', () => {
    const r = record('feed-document.json');
    (r.VanBan as Rec).NoiNhan = [];
    expect(errorsOf(r)).toEqual(['/VanBan/NoiNhan minItems']);
  });

  it('When list items of §3.4 are incomplete, then they fail with the item path', () => {
    const r = record('feed-result-returned.json');
    delete (r.DanhSachHoSoBoSung as Rec[])[0]!.NgayHenTraTruoc;
    (r.DanhSachGiayToKetQua as Rec[])[0]!.DuongDanTepTinKetQua = 'khong-phai-url';
    r.DanhSachXinLoi = [
      { SoVanBan: '15/PXL', NgayXinLoi: '20251119152005', LyDo: 'x', NgayHenTraTruoc: '20251119170000' },
    ];
    expect(errorsOf(r)).toEqual(
      expect.arrayContaining([
        '/DanhSachHoSoBoSung/0 required:NgayHenTraTruoc',
        '/DanhSachGiayToKetQua/0/DuongDanTepTinKetQua format',
        '/DanhSachXinLoi/0 required:NgayHenTraMoi',
      ]),
    );
  });

  it('When a record carries unknown fields, then it is still valid (unknown fields are ignored)', () => {
    expect(errorsOf({ ...record(), TruongMoi: 'x', GhiChu: { a: 1 } })).toEqual([]);
  });

  it('When the envelope is wrong, then service, isUpdating and the single-record data are enforced', () => {
    const env = example('feed-land-tax.json');
    const bad = (patch: Rec): string[] => {
      validateEnvelope({ ...env, ...patch });
      return (validateEnvelope.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
    };
    expect(bad({ service: 'CapNhatTienDoHoSoMC' })).toContain('/service const');
    expect(bad({ isUpdating: 'true' })).toContain('/isUpdating enum');
    expect(bad({ isUpdating: false })).toContain('/isUpdating type');
    expect(bad({ data: [] })).toContain('/data minItems');
    expect(bad({ data: [record(), record()] })).toContain('/data maxItems');
    expect(bad({ madonvi: '' })).toContain('/madonvi minLength');
  });
});
