import { COUNTRY_CODES } from './country-codes.js';
import { hasLocalDateShape, parseLocalDate } from './local-time.js';
import type { DossierContent, Module, PersonFields } from './types.js';
import type { XmlElement, XmlNode } from './xml-codec.js';

/**
 * Every rule of civil-registration.md §3.1 for `<hoTich>`. The first rule broken gives the answer
 * `maLoi` 1 with a `moTa` starting with the path of the offending element (§3.2), e.g.
 * `nguoiDuocKhaiSinh/ngaySinh: sai định dạng, yêu cầu dd/MM/yyyy`.
 *
 * @remarks XML rules of §1: child order is not significant, unknown elements are ignored, an
 * optional element that is empty means "no value". Decisions where the document is silent:
 * a repeated known element is an error; a text of only white space counts as empty; lengths are
 * counted in Unicode code points of the text as received; text is never trimmed or normalised.
 */
export const MA_HO_SO = /^[A-Za-z0-9.-]{1,50}$/;
const TWELVE_DIGITS = /^\d{12}$/;
const DAN_TOC = /^(0[1-9]|[1-4]\d|5[0-4])$/;

export type Validation = { ok: true; content: DossierContent } | { ok: false; moTa: string };

class Invalid extends Error {}
const fail = (path: string, reason: string): never => {
  throw new Invalid(`${path}: ${reason}`);
};

type Child = { kind: 'absent' } | { kind: 'text'; text: string } | { kind: 'element'; element: XmlElement };

const isBlank = (s: string): boolean => s.trim() === '';
const length = (s: string): number => [...s].length;

/** The single occurrence of a known child element. */
function child(parent: XmlElement, name: string, path: string): Child {
  const nodes = parent[name];
  if (nodes === undefined || typeof nodes === 'string') return { kind: 'absent' };
  if (nodes.length > 1) fail(path, 'phần tử bị lặp lại');
  const node: XmlNode | undefined = nodes[0];
  if (node === undefined) return { kind: 'absent' };
  if (typeof node === 'string') return isBlank(node) ? { kind: 'absent' } : { kind: 'text', text: node };
  return { kind: 'element', element: node };
}

/** A text element; undefined when absent or empty (and not required). */
function text(parent: XmlElement, name: string, path: string, required: boolean): string | undefined {
  const c = child(parent, name, path);
  if (c.kind === 'element') fail(path, 'sai kiểu dữ liệu, yêu cầu giá trị văn bản');
  if (c.kind === 'absent') {
    if (required) fail(path, parent[name] === undefined ? 'thiếu thông tin bắt buộc' : 'không được để trống');
    return undefined;
  }
  return c.kind === 'text' ? c.text : undefined;
}

/** A container element; undefined when absent or empty. */
function block(parent: XmlElement, name: string): XmlElement | undefined {
  const c = child(parent, name, name);
  if (c.kind === 'text') fail(name, 'sai cấu trúc, yêu cầu các phần tử con');
  return c.kind === 'element' ? c.element : undefined;
}

function boundedText(parent: XmlElement, name: string, path: string, max: number, required: boolean) {
  const value = text(parent, name, path, required);
  if (value !== undefined && length(value) > max) fail(path, `độ dài tối đa ${max} ký tự`);
  return value;
}

function identityNumber(parent: XmlElement, name: string, path: string, required: boolean) {
  const value = text(parent, name, path, required);
  if (value !== undefined && !TWELVE_DIGITS.test(value)) fail(path, 'sai định dạng, yêu cầu đúng 12 chữ số');
  return value;
}

function date(parent: XmlElement, name: string, path: string, notAfter?: number): string {
  const value = text(parent, name, path, true) as string;
  if (!hasLocalDateShape(value)) fail(path, 'sai định dạng, yêu cầu dd/MM/yyyy');
  const at = parseLocalDate(value);
  if (at === undefined) fail(path, 'ngày không hợp lệ');
  if (notAfter !== undefined && (at as number) > notAfter)
    fail(path, 'không được sau ngày tiếp nhận (ngayTiepNhan)');
  return value;
}

function put(target: PersonFields, name: string, value: string | undefined): void {
  if (value !== undefined) target[name] = value;
}

function requireBlock(root: XmlElement, name: string): XmlElement {
  const element = block(root, name);
  if (!element) fail(name, root[name] === undefined ? 'thiếu thông tin bắt buộc' : 'không được để trống');
  return element as XmlElement;
}

function forbid(root: XmlElement, names: string[], module: Module): void {
  for (const name of names) if (block(root, name)) fail(name, `không được có trong hồ sơ module ${module}`);
}

function asElement(node: XmlNode): XmlElement {
  return typeof node === 'string' ? {} : node;
}

/** Reads `maHoSo` only (for the idempotency check, made before the full validation). */
export function readMaHoSo(node: XmlNode): string | undefined {
  try {
    const value = text(asElement(node), 'maHoSo', 'maHoSo', true);
    return value !== undefined && MA_HO_SO.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function birth(
  root: XmlElement,
  receivedOn: number,
): Pick<DossierContent, 'nguoiDuocKhaiSinh' | 'me' | 'cha'> {
  forbid(root, ['nguoiChet'], 'KS');
  const p = 'nguoiDuocKhaiSinh';
  const child = requireBlock(root, p);
  const nguoiDuocKhaiSinh: PersonFields = {};
  put(nguoiDuocKhaiSinh, 'hoTen', boundedText(child, 'hoTen', `${p}/hoTen`, 100, true));
  const gioiTinh = text(child, 'gioiTinh', `${p}/gioiTinh`, true) as string;
  if (gioiTinh !== '1' && gioiTinh !== '2')
    fail(`${p}/gioiTinh`, 'giá trị không hợp lệ, yêu cầu 1 (nam) hoặc 2 (nữ)');
  nguoiDuocKhaiSinh.gioiTinh = gioiTinh;
  nguoiDuocKhaiSinh.ngaySinh = date(child, 'ngaySinh', `${p}/ngaySinh`, receivedOn);
  put(nguoiDuocKhaiSinh, 'noiSinh', boundedText(child, 'noiSinh', `${p}/noiSinh`, 500, true));
  const danToc = text(child, 'danToc', `${p}/danToc`, true) as string;
  if (!DAN_TOC.test(danToc)) fail(`${p}/danToc`, 'giá trị không hợp lệ, yêu cầu mã dân tộc 01..54');
  nguoiDuocKhaiSinh.danToc = danToc;
  const quocTich = text(child, 'quocTich', `${p}/quocTich`, true) as string;
  if (!COUNTRY_CODES.has(quocTich))
    fail(`${p}/quocTich`, 'giá trị không hợp lệ, yêu cầu mã quốc gia ISO 3166-1 alpha-2 viết hoa');
  nguoiDuocKhaiSinh.quocTich = quocTich;

  const meElement = requireBlock(root, 'me');
  const me: PersonFields = {};
  put(me, 'hoTen', boundedText(meElement, 'hoTen', 'me/hoTen', 100, true));
  put(me, 'soDinhDanh', identityNumber(meElement, 'soDinhDanh', 'me/soDinhDanh', true));

  const chaElement = block(root, 'cha');
  if (!chaElement) return { nguoiDuocKhaiSinh, me };
  const cha: PersonFields = {};
  put(cha, 'hoTen', boundedText(chaElement, 'hoTen', 'cha/hoTen', 100, true));
  put(cha, 'soDinhDanh', identityNumber(chaElement, 'soDinhDanh', 'cha/soDinhDanh', false));
  return { nguoiDuocKhaiSinh, me, cha };
}

function death(root: XmlElement, receivedOn: number): Pick<DossierContent, 'nguoiChet'> {
  forbid(root, ['nguoiDuocKhaiSinh', 'me', 'cha'], 'KT');
  const p = 'nguoiChet';
  const element = requireBlock(root, p);
  const nguoiChet: PersonFields = {};
  put(nguoiChet, 'hoTen', boundedText(element, 'hoTen', `${p}/hoTen`, 100, true));
  put(nguoiChet, 'soDinhDanh', identityNumber(element, 'soDinhDanh', `${p}/soDinhDanh`, true));
  nguoiChet.ngayChet = date(element, 'ngayChet', `${p}/ngayChet`, receivedOn);
  put(nguoiChet, 'noiChet', boundedText(element, 'noiChet', `${p}/noiChet`, 500, true));
  put(nguoiChet, 'nguyenNhan', boundedText(element, 'nguyenNhan', `${p}/nguyenNhan`, 500, false));
  return { nguoiChet };
}

/** Validates a parsed `<hoTich>` (root name already checked). */
export function validateHoTich(node: XmlNode): Validation {
  try {
    const root = asElement(node);
    const module = text(root, 'module', 'module', true);
    if (module !== 'KS' && module !== 'KT') return fail('module', 'giá trị không hợp lệ, yêu cầu KS hoặc KT');
    const maHoSo = text(root, 'maHoSo', 'maHoSo', true) as string;
    if (!MA_HO_SO.test(maHoSo)) fail('maHoSo', 'sai định dạng, yêu cầu 1..50 ký tự [A-Za-z0-9.-]');
    const maDonVi = boundedText(root, 'maDonVi', 'maDonVi', 50, true) as string;
    const ngayTiepNhan = date(root, 'ngayTiepNhan', 'ngayTiepNhan');
    const receivedOn = parseLocalDate(ngayTiepNhan) as number;
    const persons = module === 'KS' ? birth(root, receivedOn) : death(root, receivedOn);

    const requester = requireBlock(root, 'nguoiYeuCau');
    const nguoiYeuCau: PersonFields = {};
    put(nguoiYeuCau, 'hoTen', boundedText(requester, 'hoTen', 'nguoiYeuCau/hoTen', 100, true));
    put(nguoiYeuCau, 'soDinhDanh', identityNumber(requester, 'soDinhDanh', 'nguoiYeuCau/soDinhDanh', true));
    put(nguoiYeuCau, 'quanHe', boundedText(requester, 'quanHe', 'nguoiYeuCau/quanHe', 50, true));

    return { ok: true, content: { module, maHoSo, maDonVi, ngayTiepNhan, ...persons, nguoiYeuCau } };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, moTa: err.message };
    throw err;
  }
}

/** True when every text of the dossier is in Unicode NFC. */
export function contentIsNfc(content: DossierContent): boolean {
  const texts: string[] = [];
  for (const value of Object.values(content)) {
    if (typeof value === 'string') texts.push(value);
    else if (value) texts.push(...Object.values(value as PersonFields));
  }
  return texts.every((t) => t === t.normalize('NFC'));
}
