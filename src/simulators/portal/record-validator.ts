import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import dossierSchema from '../../../schemas/dossier.schema.json' with { type: 'json' };
import { checkFieldDetails, isValidPortalDateTime } from '../../domain/dossier-rules.js';
import { FIELD_ORDER, REQUIRED_LISTS } from './record-shape.js';
import { MSG, pointerToPath, ruleReason } from './messages.js';

/** A failed field check: `path` is relative to the item (`.NgayHenTra`, `` for the item itself). */
export interface FieldError {
  path: string;
  message: string;
}

const DOSSIER_ID = 'https://lienthong.local/schemas/dossier.schema.json';

/** Progress row of §5.5, reusing the dossier schema's date-time definitions. */
const progressRowSchema = {
  $id: 'https://lienthong.local/simulators/portal/progress-row.schema.json',
  type: 'object',
  required: ['MaHoSo', 'NguoiXuLy', 'ThoiDiemXuLy', 'NoiDungXuLy', 'TrangThai'],
  properties: {
    MaHoSo: { $ref: `${DOSSIER_ID}#/$defs/maHoSo` },
    NguoiXuLy: { type: 'string', minLength: 1, maxLength: 255 },
    ChucDanh: { type: 'string', maxLength: 255 },
    ThoiDiemXuLy: { $ref: `${DOSSIER_ID}#/$defs/dateTime` },
    PhongBanXuLy: { type: 'string', maxLength: 255 },
    NoiDungXuLy: { type: 'string', minLength: 1, maxLength: 2000 },
    TrangThai: { $ref: `${DOSSIER_ID}#/$defs/trangThai` },
    NgayBatDau: { $ref: `${DOSSIER_ID}#/$defs/optionalDateTime` },
    NgayKetThucTheoQuyDinh: { $ref: `${DOSSIER_ID}#/$defs/optionalDateTime` },
  },
} as const;

const ROW_FIELD_ORDER = Object.keys(progressRowSchema.properties);
const ROW_DATE_TIMES = ['ThoiDiemXuLy', 'NgayBatDau', 'NgayKetThucTheoQuyDinh'];

/** Wrapper keywords whose own error only repeats the errors of their subschemas. */
const WRAPPERS = new Set(['if', 'anyOf', 'oneOf', 'allOf']);

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const seg of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** The portal's reason for one schema error. */
function reason(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  const limit = typeof p.limit === 'number' ? p.limit : 0;
  switch (e.keyword) {
    case 'required':
      return MSG.required;
    case 'type':
      if (value === null || value === undefined) return MSG.required;
      if (p.type === 'string') return 'phải là chuỗi (string), không nhận số hoặc giá trị logic';
      if (p.type === 'array') return 'phải là mảng';
      if (p.type === 'object') return MSG.itemNotObject;
      return `sai kiểu dữ liệu, yêu cầu ${String(p.type)}`;
    case 'minLength':
      return limit === 1 ? 'bắt buộc, không được để trống' : `tối thiểu ${limit} ký tự`;
    case 'maxLength':
      return `vượt quá độ dài tối đa ${limit} ký tự`;
    case 'pattern':
      if (/\/\$defs\/(optionalDateTime|dateTime)\//.test(e.schemaPath)) return MSG.dateTime;
      if (/\/\$defs\/date\//.test(e.schemaPath)) return MSG.date;
      return 'sai định dạng';
    case 'enum':
      return `giá trị không hợp lệ, cho phép: ${((p.allowedValues as unknown[]) ?? []).map((x) => JSON.stringify(x)).join(', ')}`;
    case 'const':
      return `giá trị phải là ${JSON.stringify(p.allowedValue)}`;
    case 'format':
      return p.format === 'email' ? 'sai định dạng email' : 'phải là URL http/https tuyệt đối';
    case 'maxItems':
      return `tối đa ${limit} phần tử`;
    case 'minItems':
      return `phải có ít nhất ${limit} phần tử`;
    case 'false schema':
      return 'không được có trong trường hợp này';
    default:
      return 'giá trị không hợp lệ';
  }
}

/** The JSON Pointer of the field an error is about (`required` names the missing child). */
function pointerOf(e: ErrorObject): string {
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: unknown }).missingProperty ?? '');
    return `${e.instancePath}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  return e.instancePath;
}

/**
 * Picks the error the portal reports: the first field in table order; among the record's own
 * fields, a missing required list comes last (§5.4 lists "field formats, required lists" in that order).
 */
function firstError(
  errors: ErrorObject[],
  data: unknown,
  order: readonly string[],
  lastOnes: readonly string[],
): FieldError {
  const ranked = errors
    .filter((e) => !WRAPPERS.has(e.keyword))
    .map((e, i) => {
      const pointer = pointerOf(e);
      const top = pointer.split('/')[1] ?? '';
      const value = valueAt(data, pointer);
      const listMissing =
        lastOnes.includes(top) && pointer === `/${top}` && (value === undefined || value === null);
      const idx = order.indexOf(top);
      return { e, i, pointer, value, rank: listMissing ? 1 : 0, idx: idx < 0 ? order.length : idx };
    })
    .sort((a, b) => a.rank - b.rank || a.idx - b.idx || a.i - b.i);
  const first = ranked[0];
  if (!first) return { path: '', message: 'giá trị không hợp lệ' };
  const message =
    first.rank === 1
      ? 'danh sách bắt buộc, không được vắng mặt hoặc null (có thể là [])'
      : reason(first.e, first.value);
  return { path: pointerToPath(first.pointer), message };
}

/** Validates records and progress rows exactly as the portal does (schema, then field details). */
export class RecordValidator {
  private readonly record: ValidateFunction;
  private readonly row: ValidateFunction;

  constructor() {
    const ajv = new Ajv2020({ allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(dossierSchema);
    this.record = ajv.getSchema(DOSSIER_ID) as ValidateFunction;
    this.row = ajv.compile(progressRowSchema);
  }

  /** First format error of a normalised record (specialist blocks included when present), or undefined. */
  checkRecord(record: Record<string, unknown>): FieldError | undefined {
    if (!this.record(record))
      return firstError(this.record.errors ?? [], record, FIELD_ORDER, REQUIRED_LISTS);
    const detail = checkFieldDetails(record)[0];
    return detail ? { path: pointerToPath(detail.path), message: ruleReason(detail) } : undefined;
  }

  /** Every schema error of a record, as `path: reason` lines (used for the portal's own records). */
  explainRecord(record: Record<string, unknown>): string[] {
    if (this.record(record)) return checkFieldDetails(record).map((v) => `${v.path}: ${v.message}`);
    return (this.record.errors ?? [])
      .filter((e) => !WRAPPERS.has(e.keyword))
      .map((e) => `${pointerOf(e)}: ${e.message ?? e.keyword}`);
  }

  /** First format error of a normalised progress row, or undefined. */
  checkRow(row: Record<string, unknown>): FieldError | undefined {
    if (!this.row(row)) return firstError(this.row.errors ?? [], row, ROW_FIELD_ORDER, []);
    for (const f of ROW_DATE_TIMES) {
      const v = row[f];
      if (typeof v === 'string' && v !== '' && !isValidPortalDateTime(v))
        return { path: `.${f}`, message: MSG.dateTime };
    }
    return undefined;
  }
}
