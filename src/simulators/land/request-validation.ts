import { UTC_FORMAT_HINT, parseUtc } from './utc-time.js';

/**
 * Validation of the client → land request bodies, rule by rule as land.md §3.1, §5 and §6 state
 * them. The first offending field wins and the `INVALID` message starts with its name (§2.1);
 * nested fields are named by their path (`ChuSuDung.HoTen`, `TepDinhKem[1].DuongDan`).
 *
 * @remarks Resolved ambiguities (a real vendor's most likely behaviour):
 * - Lengths count Unicode code points of the string exactly as received (no trimming).
 * - An integer field must be a JSON number with an integral value; `"40"` is rejected. `40.0` is
 *   indistinguishable from `40` after JSON parsing and is accepted.
 * - `HuyenId` (deprecated) may be omitted, `null` or any integer; other types are rejected.
 * - `ChuSuDung.DiaChi` (optional) may be omitted or `null`.
 * - `DuongDan` must be an absolute `http://` or `https://` URL with a host and no whitespace.
 */
export interface TepDinhKem {
  TenTep: string;
  DuongDan: string;
}

export interface TiepNhanRequest {
  SoBienNhan: string;
  MaHoSoMotCua: string;
  MaThuTuc: string;
  TinhId: number;
  HuyenId?: number | null;
  XaId: number;
  NgayTiepNhan: string;
  NgayHenTra: string;
  ChuSuDung: { HoTen: string; SoGiayTo: string; DiaChi?: string | null };
  ThongTinThuaDat: { SoThuTuThua: number; SoHieuToBanDo: number; DienTich: number; DiaChiThuaDat: string };
  TepDinhKem: TepDinhKem[];
}

export interface BoSungRequest {
  hoSoId: number;
  MaHoSoMotCua: string;
  NgayBoSung: string;
  NoiDung: string;
}

export interface TraKetQuaRequest {
  hoSoId: number;
  MaHoSoMotCua: string;
  NgayTraKetQua: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; message: string };

export const MA_HO_SO = /^[A-Za-z0-9.-]{1,50}$/;
const MA_THU_TUC = /^[0-9]\.[0-9]{6}$/;
const SO_GIAY_TO = /^[A-Za-z0-9-]{1,50}$/;

/** No length limit stated: the field has a format rule instead. */
const ANY = Number.MAX_SAFE_INTEGER;

class FieldError extends Error {}

function fail(field: string, message: string): never {
  throw new FieldError(`${field}: ${message}`);
}

type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function charLength(s: string): number {
  return [...s].length;
}

function present(o: Obj, key: string): boolean {
  return o[key] !== undefined && o[key] !== null;
}

function str(o: Obj, key: string, path: string, min: number, max: number): string {
  const v = o[key];
  if (v === undefined || v === null) fail(path, 'bắt buộc');
  if (typeof v !== 'string') fail(path, 'phải là chuỗi');
  const n = charLength(v);
  if (n < min && max === ANY) fail(path, 'không được để trống');
  if (n < min || n > max) fail(path, `độ dài phải từ ${min} đến ${max} ký tự`);
  return v;
}

function int(o: Obj, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (v === undefined || v === null) fail(path, 'bắt buộc');
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'phải là số nguyên');
  if (v < min || v > max) {
    fail(
      path,
      max === Number.MAX_SAFE_INTEGER ? `phải lớn hơn hoặc bằng ${min}` : `phải từ ${min} đến ${max}`,
    );
  }
  return v;
}

function utc(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (v === undefined || v === null) fail(path, 'bắt buộc');
  if (typeof v !== 'string') fail(path, 'phải là chuỗi');
  const ms = parseUtc(v);
  if (ms === undefined) fail(path, UTC_FORMAT_HINT);
  return ms;
}

function obj(o: Obj, key: string, path: string): Obj {
  const v = o[key];
  if (v === undefined || v === null) fail(path, 'bắt buộc');
  if (!isObject(v)) fail(path, 'phải là đối tượng');
  return v;
}

/** Absolute http(s) URL with a host and without whitespace. */
export function isAbsoluteHttpUrl(s: string): boolean {
  if (/\s/.test(s) || !/^https?:\/\/[^/?#]+/i.test(s)) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function run<T>(body: unknown, check: (o: Obj) => void): Validated<T> {
  if (!isObject(body)) return { ok: false, message: 'body: phải là một đối tượng JSON' };
  try {
    check(body);
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, message: e.message };
    throw e;
  }
  // Stored exactly as received: the parsed body itself, unknown fields included (they are ignored).
  return { ok: true, value: body as T };
}

/** land.md §3.1, in the order of the table. */
export function validateTiepNhan(body: unknown): Validated<TiepNhanRequest> {
  return run<TiepNhanRequest>(body, (b) => {
    const soBienNhan = str(b, 'SoBienNhan', 'SoBienNhan', 1, ANY);
    const ma = str(b, 'MaHoSoMotCua', 'MaHoSoMotCua', 1, 50);
    if (!MA_HO_SO.test(ma)) fail('MaHoSoMotCua', 'sai định dạng, chỉ gồm 1..50 ký tự [A-Za-z0-9.-]');
    if (soBienNhan !== ma) fail('SoBienNhan', 'phải trùng với MaHoSoMotCua');
    const maThuTuc = str(b, 'MaThuTuc', 'MaThuTuc', 1, ANY);
    if (!MA_THU_TUC.test(maThuTuc)) fail('MaThuTuc', 'sai định dạng, yêu cầu ^[0-9]\\.[0-9]{6}$');
    int(b, 'TinhId', 'TinhId', 1, 99);
    if (present(b, 'HuyenId') && (typeof b.HuyenId !== 'number' || !Number.isSafeInteger(b.HuyenId))) {
      fail('HuyenId', 'phải là số nguyên hoặc null');
    }
    int(b, 'XaId', 'XaId', 1, 99999);
    const tiepNhan = utc(b, 'NgayTiepNhan', 'NgayTiepNhan');
    const henTra = utc(b, 'NgayHenTra', 'NgayHenTra');
    if (henTra < tiepNhan) fail('NgayHenTra', 'phải lớn hơn hoặc bằng NgayTiepNhan');

    const chu = obj(b, 'ChuSuDung', 'ChuSuDung');
    str(chu, 'HoTen', 'ChuSuDung.HoTen', 1, 255);
    const soGiayTo = str(chu, 'SoGiayTo', 'ChuSuDung.SoGiayTo', 1, 50);
    if (!SO_GIAY_TO.test(soGiayTo)) fail('ChuSuDung.SoGiayTo', 'sai định dạng, chỉ gồm ký tự [A-Za-z0-9-]');
    if (present(chu, 'DiaChi')) str(chu, 'DiaChi', 'ChuSuDung.DiaChi', 0, 500);

    const thua = obj(b, 'ThongTinThuaDat', 'ThongTinThuaDat');
    int(thua, 'SoThuTuThua', 'ThongTinThuaDat.SoThuTuThua', 1);
    int(thua, 'SoHieuToBanDo', 'ThongTinThuaDat.SoHieuToBanDo', 1);
    const dienTich = thua.DienTich;
    if (dienTich === undefined || dienTich === null) fail('ThongTinThuaDat.DienTich', 'bắt buộc');
    if (typeof dienTich !== 'number' || !Number.isFinite(dienTich))
      fail('ThongTinThuaDat.DienTich', 'phải là số');
    if (dienTich <= 0) fail('ThongTinThuaDat.DienTich', 'phải lớn hơn 0');
    if (Number(dienTich.toFixed(2)) !== dienTich)
      fail('ThongTinThuaDat.DienTich', 'tối đa 2 chữ số thập phân');
    str(thua, 'DiaChiThuaDat', 'ThongTinThuaDat.DiaChiThuaDat', 1, 500);

    const tep = b.TepDinhKem;
    if (tep === undefined || tep === null) fail('TepDinhKem', 'bắt buộc');
    if (!Array.isArray(tep)) fail('TepDinhKem', 'phải là mảng');
    if (tep.length > 50) fail('TepDinhKem', 'tối đa 50 tệp');
    tep.forEach((item: unknown, i) => {
      const path = `TepDinhKem[${i}]`;
      if (!isObject(item)) fail(path, 'phải là đối tượng');
      str(item, 'TenTep', `${path}.TenTep`, 1, 255);
      const url = str(item, 'DuongDan', `${path}.DuongDan`, 1, ANY);
      if (!isAbsoluteHttpUrl(url)) fail(`${path}.DuongDan`, 'phải là URL tuyệt đối http hoặc https');
    });
  });
}

/** land.md §5 (formats only; the business rules need the store). */
export function validateBoSung(body: unknown): Validated<BoSungRequest> {
  return run<BoSungRequest>(body, (b) => {
    int(b, 'hoSoId', 'hoSoId', 1);
    str(b, 'MaHoSoMotCua', 'MaHoSoMotCua', 1, 50);
    utc(b, 'NgayBoSung', 'NgayBoSung');
    str(b, 'NoiDung', 'NoiDung', 1, 2000);
  });
}

/** land.md §6 (formats only; the business rules need the store). */
export function validateTraKetQua(body: unknown): Validated<TraKetQuaRequest> {
  return run<TraKetQuaRequest>(body, (b) => {
    int(b, 'hoSoId', 'hoSoId', 1);
    str(b, 'MaHoSoMotCua', 'MaHoSoMotCua', 1, 50);
    utc(b, 'NgayTraKetQua', 'NgayTraKetQua');
  });
}

/** Paths of the string values that are not in Unicode NFC (README §2: senders must send NFC). */
export function nonNfcPaths(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return value === value.normalize('NFC') ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonNfcPaths(v, `${path}[${i}]`));
  if (isObject(value)) {
    return Object.entries(value).flatMap(([k, v]) => nonNfcPaths(v, path ? `${path}.${k}` : k));
  }
  return [];
}
