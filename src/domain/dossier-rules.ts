/**
 * Checks of a portal dossier record (portal.md §3) that a JSON Schema cannot express.
 *
 * @remarks Pure functions, no I/O. `schemas/dossier.schema.json` covers types, formats, lengths,
 * enums and the conditional blocks; this module adds the consistency rules R1–R9 of §3.5
 * ({@link checkConsistency}) and the real-calendar / list-level details of §3.1–§3.4
 * ({@link checkFieldDetails}). Values follow the portal's "no value" convention (§2): an absent
 * field, `null` and `""` all mean "empty". Paths are JSON Pointers into the record
 * (`/NgayHenTra`, `/DanhSachXinLoi/0/NgayHenTraMoi`).
 */

/** One broken rule: where, and why (English, naming the rule). */
export interface RuleViolation {
  /** JSON Pointer into the record, e.g. `/NgayHenTra`. */
  path: string;
  /** English text starting with the rule id, e.g. `R2: NgayHenTra is required unless …`. */
  message: string;
  /** `R1`..`R9` for §3.5 rules; `F1`..`F3` for {@link checkFieldDetails}. */
  rule: string;
}

/** A dossier record as parsed from JSON; nothing about its shape is assumed. */
export type RecordLike = Readonly<Record<string, unknown>>;

/** Statuses after which the portal accepts no other status (README §3.1, portal.md §5.7). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['3', '7', '8', '10']);

const DATE_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/**
 * True when `s` is a portal date-time `yyyyMMddHHmmss` naming a real local date and time
 * (month 01–12, a day that exists in that month incl. leap years, 00:00:00–23:59:59).
 */
export function isValidPortalDateTime(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= daysInMonth;
}

/** The value of a scalar field, or `''` when it has no value (absent, null, "" or not a string). */
function text(record: RecordLike, field: string): string {
  const v = record[field];
  return typeof v === 'string' ? v : '';
}

function list(record: RecordLike, field: string): unknown[] {
  const v = record[field];
  return Array.isArray(v) ? v : [];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Rules R1–R9 of portal.md §3.5, in rule order. Returns every violation (empty when consistent).
 *
 * @remarks Date comparisons (R7) are made only between two valid date-times; an empty or
 * malformed value is the schema's concern. R9 compares strings exactly.
 */
export function checkConsistency(record: RecordLike): RuleViolation[] {
  const out: RuleViolation[] = [];
  const status = text(record, 'TrangThaiHoSo');
  const add = (rule: string, path: string, message: string): void => {
    out.push({ rule, path, message: `${rule}: ${message}` });
  };

  if (status !== '1' && text(record, 'NgayTiepNhan') === '')
    add('R1', '/NgayTiepNhan', 'NgayTiepNhan is required unless TrangThaiHoSo is 1');
  if (status !== '1' && status !== '3' && text(record, 'NgayHenTra') === '')
    add('R2', '/NgayHenTra', 'NgayHenTra is required unless TrangThaiHoSo is 1 or 3');
  if (status === '3' && text(record, 'NgayTuChoi') === '')
    add('R3', '/NgayTuChoi', 'NgayTuChoi is required when TrangThaiHoSo is 3');
  if ((status === '9' || status === '10') && text(record, 'NgayKetThucXuLy') === '')
    add('R4', '/NgayKetThucXuLy', 'NgayKetThucXuLy is required when TrangThaiHoSo is 9 or 10');
  if (status === '10' && text(record, 'NgayTra') === '')
    add('R5', '/NgayTra', 'NgayTra is required when TrangThaiHoSo is 10');
  if (status === '5' && list(record, 'DanhSachHoSoBoSung').length === 0)
    add(
      'R6',
      '/DanhSachHoSoBoSung',
      'DanhSachHoSoBoSung must have at least one entry when TrangThaiHoSo is 5',
    );

  const nop = text(record, 'NgayNopHoSo');
  const tiepNhan = text(record, 'NgayTiepNhan');
  const henTra = text(record, 'NgayHenTra');
  if (isValidPortalDateTime(nop) && isValidPortalDateTime(tiepNhan) && tiepNhan < nop)
    add('R7', '/NgayTiepNhan', `NgayTiepNhan (${tiepNhan}) must not be earlier than NgayNopHoSo (${nop})`);
  if (isValidPortalDateTime(tiepNhan) && isValidPortalDateTime(henTra) && henTra < tiepNhan)
    add('R7', '/NgayHenTra', `NgayHenTra (${henTra}) must not be earlier than NgayTiepNhan (${tiepNhan})`);

  if (text(record, 'LoaiDoiTuong') === '1' && list(record, 'DinhDanhCHS').length === 0)
    add('R8', '/DinhDanhCHS', 'DinhDanhCHS must have at least one item when LoaiDoiTuong is 1');

  const letters = list(record, 'DanhSachXinLoi');
  if (letters.length > 0) {
    const last = letters[letters.length - 1];
    const moi = isObject(last) && typeof last.NgayHenTraMoi === 'string' ? last.NgayHenTraMoi : '';
    if (henTra !== moi)
      add(
        'R9',
        '/NgayHenTra',
        `NgayHenTra (${henTra || 'empty'}) must equal NgayHenTraMoi of the last DanhSachXinLoi entry (${moi || 'empty'})`,
      );
  }
  return out;
}

/** Date-time fields by location: top level, list items, specialist blocks (dates `yyyyMMdd000000`). */
const TOP_DATE_TIMES = [
  'NgayNopHoSo',
  'NgayTiepNhan',
  'NgayHenTra',
  'NgayTra',
  'NgayKetThucXuLy',
  'NgayTuChoi',
];
const LIST_DATE_TIMES: Record<string, string[]> = {
  DanhSachHoSoBoSung: ['NgayYeuCauBoSung', 'NgayHenTraTruoc', 'NgayHenTraMoi', 'NgayTiepNhanBoSung'],
  DanhSachXinLoi: ['NgayXinLoi', 'NgayHenTraTruoc', 'NgayHenTraMoi'],
};
const BLOCK_DATES: Array<[string, string, string]> = [
  ['HoTich', 'NguoiDuocKhaiSinh', 'NgaySinh'],
  ['HoTich', 'NguoiChet', 'NgayChet'],
  ['BHXH', '', 'NgaySinh'],
];

/**
 * Field-level rules of §3.1–§3.4 beyond the schema, in record order:
 * - F1: a date-time that has the `yyyyMMddHHmmss` shape must be a real calendar date and time;
 * - F2: `MaHoSoBoSung` is unique within the dossier (§3.4);
 * - F3: in `DanhSachXinLoi`, `NgayHenTraMoi` is later than `NgayHenTraTruoc` (§3.4).
 *
 * @remarks Values that are not 14-digit strings are left to the schema (it reports the format).
 */
export function checkFieldDetails(record: RecordLike): RuleViolation[] {
  const out: RuleViolation[] = [];
  const calendar = (path: string, v: unknown): void => {
    if (typeof v === 'string' && /^\d{14}$/.test(v) && !isValidPortalDateTime(v))
      out.push({ rule: 'F1', path, message: `F1: ${path.slice(1)} (${v}) is not a real date and time` });
  };
  for (const f of TOP_DATE_TIMES) calendar(`/${f}`, record[f]);
  for (const [block, sub, field] of BLOCK_DATES) {
    const b = record[block];
    const holder = isObject(b) ? (sub ? b[sub] : b) : undefined;
    if (isObject(holder)) calendar(sub ? `/${block}/${sub}/${field}` : `/${block}/${field}`, holder[field]);
  }
  for (const [name, fields] of Object.entries(LIST_DATE_TIMES)) {
    list(record, name).forEach((item, i) => {
      if (isObject(item)) for (const f of fields) calendar(`/${name}/${i}/${f}`, item[f]);
    });
  }

  const seen = new Set<string>();
  list(record, 'DanhSachHoSoBoSung').forEach((item, i) => {
    if (!isObject(item) || typeof item.MaHoSoBoSung !== 'string') return;
    if (seen.has(item.MaHoSoBoSung))
      out.push({
        rule: 'F2',
        path: `/DanhSachHoSoBoSung/${i}/MaHoSoBoSung`,
        message: `F2: MaHoSoBoSung ${item.MaHoSoBoSung} must be unique within the dossier`,
      });
    seen.add(item.MaHoSoBoSung);
  });

  list(record, 'DanhSachXinLoi').forEach((item, i) => {
    if (!isObject(item)) return;
    const { NgayHenTraTruoc: truoc, NgayHenTraMoi: moi } = item;
    if (isValidPortalDateTime(truoc) && isValidPortalDateTime(moi) && moi <= truoc)
      out.push({
        rule: 'F3',
        path: `/DanhSachXinLoi/${i}/NgayHenTraMoi`,
        message: `F3: NgayHenTraMoi (${moi}) must be later than NgayHenTraTruoc (${truoc})`,
      });
  });
  return out;
}
