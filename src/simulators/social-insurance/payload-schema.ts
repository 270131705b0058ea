import { LOAI_HO_SO, TNS, XSI_NS } from './protocol.js';
import type { LoaiHoSo } from './protocol.js';
import { SoapFault } from './soap-fault.js';
import type { XmlElement } from './xml-tree.js';
import { parseXsDate, parseXsDateTime } from './xsd-values.js';

/**
 * Schema validation of the request payloads against `social-insurance.wsdl` (every element
 * namespace-qualified, `xs:sequence` order, patterns, lengths, enumerations, dates). A violation is
 * a `soap:Client` fault whose `faultstring` starts with the element name (§1.2), e.g.
 * `MaSoBHXH: phải gồm đúng 10 chữ số`. Values are returned exactly as received.
 */
export interface NopHoSoRequest {
  MaHoSo: string;
  MaThuTuc: string;
  MaSoBHXH: string;
  HoTen: string;
  NgaySinh: string;
  SoCCCD: string;
  LoaiHoSo: LoaiHoSo;
  NoiDung: string;
  NgayHenTra: string;
}

export interface TraCuuHoSoRequest {
  MaHoSo: string;
}

type Check = (value: string) => string | undefined;

const chars = (v: string): number => [...v].length;

const lengthCheck =
  (min: number, max: number): Check =>
  (v) =>
    chars(v) < min || chars(v) > max ? `phải có từ ${min} đến ${max} ký tự` : undefined;

const patternCheck =
  (re: RegExp, problem: string): Check =>
  (v) =>
    re.test(v) ? undefined : problem;

export const checkMaHoSo = patternCheck(
  /^[A-Za-z0-9.-]{1,50}$/,
  'phải gồm 1 đến 50 ký tự A-Z, a-z, 0-9, dấu chấm (.) hoặc gạch ngang (-)',
);

const NOP_HO_SO: ReadonlyArray<readonly [keyof NopHoSoRequest, Check]> = [
  ['MaHoSo', checkMaHoSo],
  [
    'MaThuTuc',
    patternCheck(/^[0-9]\.[0-9]{6}$/, 'phải có dạng một chữ số, dấu chấm, sáu chữ số (ví dụ 2.002510)'),
  ],
  // MaSoBHXHType is ([0-9]{10})?: empty passes the schema; whether empty is allowed is a business rule (§2.2).
  ['MaSoBHXH', patternCheck(/^(?:[0-9]{10})?$/, 'phải gồm đúng 10 chữ số')],
  ['HoTen', lengthCheck(1, 100)],
  [
    'NgaySinh',
    (v) => (parseXsDate(v) ? undefined : 'phải là ngày hợp lệ dạng yyyy-MM-dd (không có múi giờ)'),
  ],
  ['SoCCCD', patternCheck(/^[0-9]{12}$/, 'phải gồm đúng 12 chữ số')],
  [
    'LoaiHoSo',
    (v) =>
      (LOAI_HO_SO as readonly string[]).includes(v)
        ? undefined
        : `giá trị không hợp lệ, phải là một trong ${LOAI_HO_SO.join(', ')}`,
  ],
  ['NoiDung', lengthCheck(1, 2000)],
  [
    'NgayHenTra',
    (v) => {
      const r = parseXsDateTime(v);
      if (r.ok) return undefined;
      return r.reason === 'offset'
        ? 'thiếu múi giờ, phải có dạng yyyy-MM-ddTHH:mm:ss±hh:mm (ví dụ 2025-11-12T17:00:00+07:00)'
        : 'phải là thời điểm hợp lệ dạng yyyy-MM-ddTHH:mm:ss±hh:mm (ví dụ 2025-11-12T17:00:00+07:00)';
    },
  ],
];

const TRA_CUU_HO_SO: ReadonlyArray<readonly [keyof TraCuuHoSoRequest, Check]> = [['MaHoSo', checkMaHoSo]];

function checkAttributes(el: XmlElement): void {
  for (const a of el.attributes) {
    if (a.uri === XSI_NS && a.local === 'nil')
      throw SoapFault.schema(el.local, 'phần tử không cho phép xsi:nil');
    // xsi:type naming the declared type is harmless; anything else is not declared by the schema.
    if (a.uri === XSI_NS && a.local === 'type') continue;
    throw SoapFault.schema(el.local, `thuộc tính ${a.name} không được khai báo trong lược đồ`);
  }
}

/** Walks the children of a wrapper element against an `xs:sequence` of required, single elements. */
function readSequence(wrapper: XmlElement, names: readonly string[]): Map<string, XmlElement> {
  checkAttributes(wrapper);
  if (wrapper.text.trim() !== '')
    throw SoapFault.schema(wrapper.local, 'không được chứa văn bản ngoài các phần tử con');
  const got = new Map<string, XmlElement>();
  let i = 0;
  wrapper.children.forEach((c, pos) => {
    const idx = names.indexOf(c.local);
    if (idx < 0) throw SoapFault.schema(c.local, 'phần tử không được khai báo trong lược đồ');
    if (c.uri !== TNS) throw SoapFault.schema(c.local, `phần tử phải thuộc không gian tên ${TNS}`);
    if (idx < i) throw SoapFault.schema(c.local, 'phần tử lặp lại');
    if (idx > i) {
      const later = new Set(wrapper.children.slice(pos + 1).map((x) => x.local));
      const skipped = names.slice(i, idx);
      if (skipped.some((n) => later.has(n)))
        throw SoapFault.schema(c.local, `sai thứ tự phần tử (thứ tự theo WSDL: ${names.join(', ')})`);
      throw SoapFault.schema(names[i] ?? c.local, 'thiếu phần tử bắt buộc');
    }
    got.set(c.local, c);
    i += 1;
  });
  if (i < names.length) throw SoapFault.schema(names[i] ?? wrapper.local, 'thiếu phần tử bắt buộc');
  return got;
}

function readFields<T>(wrapper: XmlElement, spec: ReadonlyArray<readonly [keyof T, Check]>): T {
  const names = spec.map(([n]) => String(n));
  const got = readSequence(wrapper, names);
  const out: Record<string, string> = {};
  for (const [name, check] of spec) {
    const el = got.get(String(name));
    if (!el) throw SoapFault.schema(String(name), 'thiếu phần tử bắt buộc');
    checkAttributes(el);
    if (el.children.length > 0) throw SoapFault.schema(el.local, 'không được chứa phần tử con');
    const problem = check(el.text);
    if (problem) throw SoapFault.schema(el.local, problem);
    out[String(name)] = el.text;
  }
  return out as T;
}

export const readNopHoSo = (wrapper: XmlElement): NopHoSoRequest =>
  readFields<NopHoSoRequest>(wrapper, NOP_HO_SO);

export const readTraCuuHoSo = (wrapper: XmlElement): TraCuuHoSoRequest =>
  readFields<TraCuuHoSoRequest>(wrapper, TRA_CUU_HO_SO);
