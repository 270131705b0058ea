import type { DossierRecord } from './types.js';

/**
 * The field layout of the portal record (portal.md §3.1–§3.4) and the "no value" normalisation of
 * §2 / §5.4: in a request an optional scalar that is absent, `null` or `""` is stored as `""`, an
 * optional list that is absent or `null` as `[]`; required fields are left as received so the
 * validator can reject them. Unknown fields are dropped (README §2: ignored).
 */
type FieldKind = 'required' | 'optional' | 'requiredList' | 'optionalList' | 'block';

interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** For lists: the fields of an item. */
  item?: ItemField[];
}

interface ItemField {
  name: string;
  required: boolean;
}

const items = (required: string[], optional: string[] = [], order?: string[]): ItemField[] =>
  (order ?? [...required, ...optional]).map((name) => ({ name, required: required.includes(name) }));

/** Specialist blocks (§3.3): maintained by the portal only, ignored in requests. */
export const SPECIALIST_BLOCKS = ['ThongTinThuaDat', 'HoTich', 'Thue', 'BHXH', 'VanBan'] as const;

/** Fields of §3.1 in table order (the order the portal writes them). */
export const RECORD_FIELDS: readonly FieldSpec[] = [
  { name: 'MaHoSo', kind: 'required' },
  { name: 'MaTTHC', kind: 'required' },
  { name: 'TenTTHC', kind: 'required' },
  { name: 'MaLinhVuc', kind: 'required' },
  { name: 'TenLinhVuc', kind: 'required' },
  { name: 'KenhThucHien', kind: 'required' },
  { name: 'ChuHoSo', kind: 'required' },
  { name: 'LoaiDoiTuong', kind: 'required' },
  { name: 'MaDoiTuong', kind: 'optional' },
  { name: 'SoGiayToChuHoSo', kind: 'required' },
  { name: 'DinhDanhCHS', kind: 'requiredList', item: items(['LoaiDinhDanh', 'SoDinhDanh']) },
  { name: 'DiaChiChuHoSo', kind: 'optional' },
  { name: 'Email', kind: 'optional' },
  { name: 'SoDienThoai', kind: 'optional' },
  { name: 'TrichYeuHoSo', kind: 'required' },
  { name: 'NgayNopHoSo', kind: 'required' },
  { name: 'NgayTiepNhan', kind: 'optional' },
  { name: 'NgayHenTra', kind: 'optional' },
  { name: 'TrangThaiHoSo', kind: 'required' },
  { name: 'DonViXuLy', kind: 'required' },
  { name: 'NoiNopHoSo', kind: 'required' },
  {
    name: 'TaiLieuNop',
    kind: 'requiredList',
    item: items(['TenTepDinhKem', 'MaThanhPhanHoSo', 'DuongDanTaiTepTin', 'DuocSoHoa']),
  },
  {
    name: 'DanhSachLePhi',
    kind: 'requiredList',
    item: items(['TenPhiLePhi', 'MaPhiLePhi', 'HinhThucThu', 'Gia']),
  },
  ...SPECIALIST_BLOCKS.map((name): FieldSpec => ({ name, kind: 'block' })),
  { name: 'NgayTra', kind: 'optional' },
  { name: 'NgayKetThucXuLy', kind: 'optional' },
  { name: 'NgayTuChoi', kind: 'optional' },
  {
    name: 'DanhSachHoSoBoSung',
    kind: 'optionalList',
    item: items(
      ['MaHoSoBoSung', 'NgayYeuCauBoSung', 'NoiDungYeuCau', 'NgayHenTraTruoc'],
      ['NgayHenTraMoi', 'NgayTiepNhanBoSung', 'NoiDungBoSung'],
    ),
  },
  {
    name: 'DanhSachGiayToKetQua',
    kind: 'optionalList',
    item: items(['TenGiayTo', 'MaGiayToKetQua'], ['DuongDanTepTinKetQua']),
  },
  {
    name: 'DanhSachXinLoi',
    kind: 'optionalList',
    item: items(['SoVanBan', 'NgayXinLoi', 'LyDo', 'NgayHenTraTruoc', 'NgayHenTraMoi']),
  },
];

/** Top-level field names in table order, used to report the first offending field. */
export const FIELD_ORDER: readonly string[] = RECORD_FIELDS.map((f) => f.name);

/** The lists a `DongBoHoSoMC` request must carry (absent or `null` → `"2"`). */
export const REQUIRED_LISTS: readonly string[] = RECORD_FIELDS.filter((f) => f.kind === 'requiredList').map(
  (f) => f.name,
);

/** Fields of a progress row (§5.5) in table order. */
export const PROGRESS_ROW_FIELDS: readonly ItemField[] = items(
  ['MaHoSo', 'NguoiXuLy', 'ThoiDiemXuLy', 'NoiDungXuLy', 'TrangThai'],
  ['ChucDanh', 'PhongBanXuLy', 'NgayBatDau', 'NgayKetThucTheoQuyDinh'],
  [
    'MaHoSo',
    'NguoiXuLy',
    'ChucDanh',
    'ThoiDiemXuLy',
    'PhongBanXuLy',
    'NoiDungXuLy',
    'TrangThai',
    'NgayBatDau',
    'NgayKetThucTheoQuyDinh',
  ],
);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const noValue = (v: unknown): boolean => v === undefined || v === null;

/** Known fields of one object, optional ones defaulted to `""`; anything that is not an object is kept for the validator. */
export function normalizeItem(raw: unknown, fields: readonly ItemField[]): unknown {
  if (!isPlainObject(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = raw[f.name];
    if (f.required) {
      if (v !== undefined) out[f.name] = v;
    } else out[f.name] = noValue(v) ? '' : v;
  }
  return out;
}

function normalizeList(v: unknown, item: readonly ItemField[] | undefined): unknown {
  return Array.isArray(v) && item ? v.map((x) => normalizeItem(x, item)) : v;
}

/**
 * The record as the portal would store it from a request (§5.4): known fields in table order,
 * optional values defaulted, specialist blocks left out (`blocks` = `'drop'`) or deep-copied from
 * the input (`'keep'`, for the portal's own records).
 */
export function normalizeRecord(raw: Record<string, unknown>, blocks: 'drop' | 'keep'): DossierRecord {
  const out: DossierRecord = {};
  for (const f of RECORD_FIELDS) {
    const v = raw[f.name];
    switch (f.kind) {
      case 'required':
        if (v !== undefined) out[f.name] = v;
        break;
      case 'optional':
        out[f.name] = noValue(v) ? '' : v;
        break;
      case 'requiredList':
        if (v !== undefined) out[f.name] = normalizeList(v, f.item);
        break;
      case 'optionalList':
        out[f.name] = noValue(v) ? [] : normalizeList(v, f.item);
        break;
      case 'block':
        if (blocks === 'keep' && v !== undefined && v !== null) out[f.name] = structuredClone(v);
        break;
    }
  }
  return out;
}

/** `core` (a normalised record without blocks) with the specialist blocks of `holder` put in their place. */
export function withBlocksOf(core: DossierRecord, holder: DossierRecord | undefined): DossierRecord {
  const out: DossierRecord = {};
  for (const f of RECORD_FIELDS) {
    if (f.kind === 'block') {
      const b = holder?.[f.name];
      if (b !== undefined) out[f.name] = structuredClone(b);
    } else if (f.name in core) out[f.name] = core[f.name];
  }
  return out;
}
