import type { SystemEvent } from '../../src/domain/system-event.js';
import { sha256Hex } from '../../src/security/constant-time.js';
import { children, leaf } from '../../src/xml/element-values.js';
import { XmlRefused, type XmlRefusal } from '../../src/xml/safe-xml.js';
import { mapPushEvent } from './push-event.js';
import { rejectPush } from './push-rejection.js';
import { parseXmlSafely } from './safe-xml.js';
import type { TaxMappingFile } from './tax-mapping.js';
import { ngayGuiToPortal, ngayQuyetDinhToPortal } from './tax-time.js';

const KIND = 'thongbaothue';
const MAX_ROWS = 50;
const MA_HSO_RE = /^[A-Za-z0-9.-]{1,50}$/;
const SAFE_ID_RE = /^[A-Za-z0-9._-]{1,50}$/;

/** One tax notice row as pushed (tax.md §4.3). */
export interface TaxNoticeRow {
  MA_HSO: string;
  MA_SO_THUE: string;
  SO_QUYET_DINH: string;
  NGAY_QUYET_DINH: string;
  SO_TIEN: string;
  TEN_TIEUMUC: string;
}

/** A tax notice message, validated as a whole, one event per dossier it names. */
export interface TaxNoticeMessage {
  maGdich: string;
  events: SystemEvent[];
  /** Each dossier named, with the first row (1-based) naming it, to word a `01` for an unknown one. */
  dossiers: Array<{ MaHoSo: string; row: number }>;
}

const REFUSED_XML: Record<XmlRefusal, string> = {
  size: 'nội dung vượt quá giới hạn 1 MiB',
  bom: 'chỉ chấp nhận mã hóa UTF-8',
  encoding: 'chỉ chấp nhận mã hóa UTF-8',
  'declared-encoding': 'chỉ chấp nhận mã hóa UTF-8',
  doctype: 'không chấp nhận khai báo DOCTYPE/ENTITY',
  malformed: 'nội dung XML không hợp lệ',
  root: 'nội dung XML không hợp lệ',
};

/** Reads one required text element; the element path names it in the rejection. */
function text(node: unknown, name: string, at: string, maGdich: string): string {
  const l = leaf(node, name);
  const element = at ? `${at}/${name}` : name;
  if (l.kind === 'multiple') throw rejectPush(KIND, element, 'phần tử xuất hiện nhiều lần', maGdich);
  if (l.kind === 'not-text') throw rejectPush(KIND, element, 'không đúng định dạng', maGdich);
  if (l.kind === 'absent' || l.value.trim() === '') {
    throw rejectPush(KIND, element, 'thiếu thông tin bắt buộc', maGdich);
  }
  return l.value;
}

function readRow(row: unknown, index: number, maGdich: string): TaxNoticeRow {
  const at = `ROW[${index + 1}]`;
  const fail = (name: string, reason: string): never => {
    throw rejectPush(KIND, `${at}/${name}`, reason, maGdich);
  };
  const r: TaxNoticeRow = {
    MA_HSO: text(row, 'MA_HSO', at, maGdich),
    MA_SO_THUE: text(row, 'MA_SO_THUE', at, maGdich),
    SO_QUYET_DINH: text(row, 'SO_QUYET_DINH', at, maGdich),
    NGAY_QUYET_DINH: text(row, 'NGAY_QUYET_DINH', at, maGdich),
    SO_TIEN: text(row, 'SO_TIEN', at, maGdich),
    TEN_TIEUMUC: text(row, 'TEN_TIEUMUC', at, maGdich),
  };
  if (!MA_HSO_RE.test(r.MA_HSO)) fail('MA_HSO', 'phải gồm 1..50 ký tự [A-Za-z0-9.-]');
  if ([...r.SO_QUYET_DINH].length > 30) fail('SO_QUYET_DINH', 'tối đa 30 ký tự');
  if (ngayQuyetDinhToPortal(r.NGAY_QUYET_DINH) === null)
    fail('NGAY_QUYET_DINH', 'không đúng định dạng dd/MM/yyyy');
  if (!/^\d{1,18}$/.test(r.SO_TIEN) || /^0+$/.test(r.SO_TIEN)) {
    fail('SO_TIEN', 'phải là số tiền nguyên dương, chỉ gồm chữ số');
  }
  return r;
}

/**
 * MA_GDICH is chosen by the tax authority (any 1..50 characters); the event id must stay within
 * safe key characters, so an unusual one is replaced by its hash, which is just as stable.
 */
function idPart(maGdich: string): string {
  return SAFE_ID_RE.test(maGdich) ? maGdich : `h${sha256Hex(maGdich).slice(0, 32)}`;
}

/**
 * Parses and validates a tax notice push (tax.md §4.3) completely, before anything is stored: the
 * authority rejects a message as a whole on `01`, so one bad row refuses all of them.
 *
 * @remarks One event per (MA_GDICH, MA_HSO), with that pair as its id: the authority may deliver
 * the same message again (§4.1, same MA_GDICH), and the sink then drops the repeat. Each notice is
 * sent in exactly one message (§4.3), so no notice can hide in two events of this system; a notice
 * also brought by the land registry is matched by SoThongBaoThue in the engine.
 */
export async function parseTaxNotices(
  raw: Buffer | string,
  mapping: TaxMappingFile,
): Promise<TaxNoticeMessage> {
  let doc: Record<string, unknown>;
  try {
    doc = parseXmlSafely(raw);
  } catch (err) {
    if (err instanceof XmlRefused) throw rejectPush(KIND, 'DATA', REFUSED_XML[err.refusal]);
    throw err;
  }
  const data = doc['DATA'];
  if (data === undefined) throw rejectPush(KIND, 'DATA', 'thiếu phần tử gốc DATA');
  const headers = children(data, 'HEADER');
  const peek = leaf(headers[0], 'MA_GDICH');
  const echo = headers.length === 1 && peek.kind === 'text' ? peek.value : '';
  if (headers.length !== 1) throw rejectPush(KIND, 'HEADER', 'phải có đúng một HEADER', echo);
  const maGdich = text(headers[0], 'MA_GDICH', '', echo);
  if ([...maGdich].length > 50) throw rejectPush(KIND, 'MA_GDICH', 'tối đa 50 ký tự', maGdich);
  const ngayGui = text(headers[0], 'NGAY_GUI', '', maGdich);
  const occurredAt = ngayGuiToPortal(ngayGui);
  if (occurredAt === null) {
    throw rejectPush(KIND, 'NGAY_GUI', 'không đúng định dạng dd/MM/yyyy HH:mm:ss', maGdich);
  }
  const bodies = children(data, 'BODY');
  if (bodies.length !== 1) throw rejectPush(KIND, 'BODY', 'phải có đúng một BODY', maGdich);
  const lists = children(bodies[0], 'ROW_LIST');
  if (lists.length !== 1) throw rejectPush(KIND, 'ROW_LIST', 'phải có đúng một ROW_LIST', maGdich);
  const rowNodes = children(lists[0], 'ROW');
  if (rowNodes.length < 1 || rowNodes.length > MAX_ROWS) {
    throw rejectPush(
      KIND,
      'ROW_LIST',
      `phải có từ 1 đến ${MAX_ROWS} ROW (nhận được ${rowNodes.length})`,
      maGdich,
    );
  }
  const rows = rowNodes.map((node, i) => readRow(node, i, maGdich));

  const byDossier = new Map<string, { row: number; rows: TaxNoticeRow[] }>();
  rows.forEach((r, i) => {
    const group = byDossier.get(r.MA_HSO) ?? { row: i + 1, rows: [] };
    group.rows.push(r);
    byDossier.set(r.MA_HSO, group);
  });
  const events = [...byDossier.entries()].map(([maHoSo, group]) =>
    mapPushEvent(
      mapping.inbound.thongbaothue,
      { MA_GDICH: maGdich, NGAY_GUI: ngayGui, MA_HSO: maHoSo, ROWS: group.rows },
      { eventId: `thongbaothue~${idPart(maGdich)}~${maHoSo}`, MaHoSo: maHoSo, occurredAt },
      { kind: KIND, maGdich },
    ),
  );
  return {
    maGdich,
    events,
    dossiers: [...byDossier.entries()].map(([MaHoSo, g]) => ({ MaHoSo, row: g.row })),
  };
}
