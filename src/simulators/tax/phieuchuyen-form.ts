import { children, leaf } from '../../xml/element-values.js';
import { decodeUtf8Body, XmlRefused, type XmlRefusal } from '../../xml/safe-xml.js';
import { isNgayGui } from './local-time.js';
import { parseXmlSafely } from './safe-xml.js';
import { LOAI_THUE_CODES } from './types.js';
import type { LoaiThue, TaxRecord } from './types.js';

/**
 * Reading and validating the transfer form `POST /api/thue/phieuchuyen` (tax.md §3.1).
 *
 * @remarks Every failure is a `01` whose `MO_TA` starts with the offending element (§2.1), the
 * first failure in document order. Text is never trimmed or re-normalised; a value made only of
 * spaces counts as "no value" for the required checks (optional elements: "omitted or empty both
 * mean no value").
 */

export const MA_GDICH_RE = /^[A-Za-z0-9._-]{1,50}$/;
export const MA_HSO_RE = /^[A-Za-z0-9.-]{1,50}$/;
export const MA_SO_THUE_RE = /^(\d{10}|\d{10}-\d{3}|\d{12})$/;
const SO_GIAY_TO_RE = /^[A-Za-z0-9-]{1,50}$/;
const DIGITS_RE = /^\d+$/;
/** Refusals answered as an encoding problem (README §2: UTF-8 only, no BOM). */
const UTF8_ONLY: ReadonlySet<XmlRefusal> = new Set(['bom', 'encoding', 'declared-encoding']);

/** A parsed form: the raw `DATA` node plus the MA_GDICH text (as received) for the answer. */
export interface ParsedForm {
  data: Record<string, unknown>;
  header: unknown;
  body: unknown;
  /** MA_GDICH as received, `''` when absent or not text (echoed in every answer). */
  maGdich: string;
}

export type ReadOutcome = { ok: true; text: string; form: ParsedForm } | { ok: false; moTa: string };

export type FormFields = Omit<TaxRecord, 'id' | 'rawXml' | 'receivedAt'>;

export type ValidationOutcome = { ok: true; fields: FormFields } | { ok: false; moTa: string };

const chars = (s: string): number => [...s].length;
const blank = (s: string): boolean => s.trim() === '';

/**
 * Content type, UTF-8, XML well-formedness and the DATA/HEADER/BODY skeleton.
 * @remarks The spec only says the body is `application/xml; charset=utf-8`; a wrong type or
 * charset is answered like any other invalid body (`01`, `DATA: …`), as `text/xml` is accepted too.
 */
export async function readForm(contentType: string | undefined, body: Buffer): Promise<ReadOutcome> {
  const ct = (contentType ?? '').toLowerCase();
  const [mime, ...params] = ct.split(';').map((p) => p.trim());
  if (mime !== 'application/xml' && mime !== 'text/xml') {
    return { ok: false, moTa: 'DATA: Content-Type phải là application/xml; charset=utf-8' };
  }
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8') {
    return { ok: false, moTa: 'DATA: chỉ chấp nhận mã hóa UTF-8' };
  }
  let text: string;
  let doc: Record<string, unknown>;
  try {
    text = decodeUtf8Body(body);
    doc = parseXmlSafely(text);
  } catch (err) {
    if (err instanceof XmlRefused) {
      if (UTF8_ONLY.has(err.refusal)) return { ok: false, moTa: 'DATA: chỉ chấp nhận mã hóa UTF-8' };
      if (err.refusal === 'doctype')
        return { ok: false, moTa: 'DATA: không chấp nhận khai báo DOCTYPE/ENTITY' };
    }
    return { ok: false, moTa: 'DATA: nội dung XML không hợp lệ' };
  }
  const root = doc['DATA'];
  if (root === undefined) return { ok: false, moTa: 'DATA: thiếu phần tử gốc DATA' };
  const data = (root === '' ? {} : root) as Record<string, unknown>;
  const headers = children(data, 'HEADER');
  const bodies = children(data, 'BODY');
  const header = headers.length === 1 ? headers[0] : undefined;
  const m = leaf(header, 'MA_GDICH');
  const maGdich = m.kind === 'text' ? m.value : '';
  if (headers.length === 0) return { ok: false, moTa: 'HEADER: thiếu thông tin bắt buộc' };
  if (headers.length > 1) return { ok: false, moTa: 'HEADER: phần tử xuất hiện nhiều lần' };
  if (bodies.length === 0) return { ok: true, text, form: { data, header, body: undefined, maGdich } };
  if (bodies.length > 1) return { ok: false, moTa: 'BODY: phần tử xuất hiện nhiều lần' };
  return { ok: true, text, form: { data, header, body: bodies[0], maGdich } };
}

/** Checks HEADER/MA_GDICH alone (needed before the duplicate lookup). */
export function checkMaGdich(form: ParsedForm): string | undefined {
  return checkText(form.header, 'MA_GDICH', true, (v) =>
    MA_GDICH_RE.test(v) ? undefined : 'MA_GDICH: phải gồm 1..50 ký tự [A-Za-z0-9._-]',
  ).error;
}

interface Checked {
  error?: string;
  value?: string;
}

function checkText(
  node: unknown,
  name: string,
  required: boolean,
  rule: (v: string) => string | undefined,
): Checked {
  const l = leaf(node, name);
  if (l.kind === 'multiple') return { error: `${name}: phần tử xuất hiện nhiều lần` };
  if (l.kind === 'not-text') return { error: `${name}: không đúng định dạng` };
  if (l.kind === 'absent' || (l.kind === 'text' && (l.value === '' || (required && blank(l.value))))) {
    return required ? { error: `${name}: thiếu thông tin bắt buộc` } : {};
  }
  const error = rule(l.value);
  return error ? { error } : { value: l.value };
}

/** Every rule of §3.1 after MA_GDICH, in document order. */
export function validateForm(form: ParsedForm, unitCodes: readonly string[]): ValidationOutcome {
  const h = form.header;
  const maGdich = checkText(h, 'MA_GDICH', true, (v) =>
    MA_GDICH_RE.test(v) ? undefined : 'MA_GDICH: phải gồm 1..50 ký tự [A-Za-z0-9._-]',
  );
  if (maGdich.error) return { ok: false, moTa: maGdich.error };
  const ngayGui = checkText(h, 'NGAY_GUI', true, (v) =>
    isNgayGui(v) ? undefined : 'NGAY_GUI: không đúng định dạng dd/MM/yyyy HH:mm:ss',
  );
  if (ngayGui.error) return { ok: false, moTa: ngayGui.error };
  const maDvi = checkText(h, 'MA_DVI_GUI', true, (v) =>
    unitCodes.includes(v) ? undefined : `MA_DVI_GUI: đơn vị gửi ${v} chưa được đăng ký với cơ quan thuế`,
  );
  if (maDvi.error) return { ok: false, moTa: maDvi.error };

  if (form.body === undefined) return { ok: false, moTa: 'BODY: thiếu thông tin bắt buộc' };
  const rows = children(form.body, 'ROW');
  if (rows.length !== 1) {
    return { ok: false, moTa: `ROW: BODY phải có đúng một ROW (nhận được ${rows.length})` };
  }
  const r = rows[0];
  const checks: Array<[string, boolean, (v: string) => string | undefined]> = [
    ['MA_HSO', true, (v) => (MA_HSO_RE.test(v) ? undefined : 'MA_HSO: phải gồm 1..50 ký tự [A-Za-z0-9.-]')],
    ['MA_SO_THUE', false, (v) => (MA_SO_THUE_RE.test(v) ? undefined : 'MA_SO_THUE: mã số thuế không hợp lệ')],
    ['HO_TEN', true, (v) => (chars(v) <= 255 ? undefined : 'HO_TEN: tối đa 255 ký tự')],
    [
      'SO_GIAY_TO',
      true,
      (v) => (SO_GIAY_TO_RE.test(v) ? undefined : 'SO_GIAY_TO: phải gồm 1..50 ký tự [A-Za-z0-9-]'),
    ],
    [
      'LOAI_THUE',
      true,
      (v) =>
        (LOAI_THUE_CODES as readonly string[]).includes(v)
          ? undefined
          : `LOAI_THUE: mã loại thuế không hợp lệ (${LOAI_THUE_CODES.join(', ')})`,
    ],
    ['DIA_CHI', false, (v) => (chars(v) <= 500 ? undefined : 'DIA_CHI: tối đa 500 ký tự')],
    [
      'GIA_TRI_KE_KHAI',
      false,
      (v) =>
        DIGITS_RE.test(v)
          ? undefined
          : 'GIA_TRI_KE_KHAI: chỉ gồm chữ số, đơn vị đồng, không có dấu phân cách',
    ],
  ];
  const values: Record<string, string | undefined> = {};
  for (const [name, required, rule] of checks) {
    const c = checkText(r, name, required, rule);
    if (c.error) return { ok: false, moTa: c.error };
    values[name] = c.value;
  }
  const fields: FormFields = {
    MA_GDICH: maGdich.value!,
    NGAY_GUI: ngayGui.value!,
    MA_DVI_GUI: maDvi.value!,
    MA_HSO: values['MA_HSO']!,
    HO_TEN: values['HO_TEN']!,
    SO_GIAY_TO: values['SO_GIAY_TO']!,
    LOAI_THUE: values['LOAI_THUE'] as LoaiThue,
  };
  for (const opt of ['MA_SO_THUE', 'DIA_CHI', 'GIA_TRI_KE_KHAI'] as const) {
    const v = values[opt];
    if (v !== undefined) fields[opt] = v;
  }
  return { ok: true, fields };
}
