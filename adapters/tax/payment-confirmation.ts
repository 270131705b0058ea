import type { SystemEvent } from '../../src/domain/system-event.js';
import { sha256Hex } from '../../src/security/constant-time.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../../src/security/json-depth.js';
import { decodeUtf8Body, XmlRefused } from '../../src/xml/safe-xml.js';
import { mapPushEvent } from './push-event.js';
import { rejectPush } from './push-rejection.js';
import type { TaxMappingFile } from './tax-mapping.js';
import { isPortalDateTime } from './tax-time.js';

const KIND = 'xacnhannopthue';
const MA_HSO_RE = /^[A-Za-z0-9.-]{1,50}$/;
const SAFE_ID_RE = /^[A-Za-z0-9._-]{1,30}$/;

/** Body of the payment confirmation push (tax.md §4.4). */
export interface PaymentConfirmation {
  MaHoSo: string;
  MaSoThue: string;
  ThongTinThanhToan: {
    SoTien: number;
    ThoiGianThanhToan: string;
    MaThongBaoThue: string;
    TrangThaiThanhToan: 0 | 1;
  };
  UrlFileChungTu?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks every field of §4.4, naming the first one that is wrong (types included). */
function validate(body: unknown): PaymentConfirmation {
  const fail = (element: string, reason: string): never => {
    throw rejectPush(KIND, element, reason);
  };
  if (!isObject(body)) return fail('body', 'phải là một đối tượng JSON');
  const str = (v: unknown, element: string): string => {
    if (v === undefined || v === null) return fail(element, 'thiếu thông tin bắt buộc');
    if (typeof v !== 'string') return fail(element, 'phải là chuỗi');
    if (v.trim() === '') return fail(element, 'thiếu thông tin bắt buộc');
    return v;
  };
  const maHoSo = str(body['MaHoSo'], 'MaHoSo');
  if (!MA_HSO_RE.test(maHoSo)) fail('MaHoSo', 'phải gồm 1..50 ký tự [A-Za-z0-9.-]');
  const maSoThue = str(body['MaSoThue'], 'MaSoThue');
  const tt = body['ThongTinThanhToan'];
  if (tt === undefined || tt === null) return fail('ThongTinThanhToan', 'thiếu thông tin bắt buộc');
  if (!isObject(tt)) return fail('ThongTinThanhToan', 'phải là một đối tượng JSON');
  const soTien = tt['SoTien'];
  if (soTien === undefined || soTien === null) fail('ThongTinThanhToan.SoTien', 'thiếu thông tin bắt buộc');
  if (typeof soTien !== 'number' || !Number.isSafeInteger(soTien) || soTien < 0) {
    fail('ThongTinThanhToan.SoTien', 'phải là số nguyên không âm (đồng)');
  }
  const thoiGian = str(tt['ThoiGianThanhToan'], 'ThongTinThanhToan.ThoiGianThanhToan');
  if (!isPortalDateTime(thoiGian))
    fail('ThongTinThanhToan.ThoiGianThanhToan', 'không đúng định dạng yyyyMMddHHmmss');
  const maTb = str(tt['MaThongBaoThue'], 'ThongTinThanhToan.MaThongBaoThue');
  if ([...maTb].length > 30) fail('ThongTinThanhToan.MaThongBaoThue', 'tối đa 30 ký tự');
  const trangThai = tt['TrangThaiThanhToan'];
  if (trangThai !== 0 && trangThai !== 1) fail('ThongTinThanhToan.TrangThaiThanhToan', 'phải là 0 hoặc 1');
  const url = body['UrlFileChungTu'];
  if (url !== undefined && url !== null && typeof url !== 'string') fail('UrlFileChungTu', 'phải là chuỗi');
  return {
    MaHoSo: maHoSo,
    MaSoThue: maSoThue,
    ThongTinThanhToan: {
      SoTien: soTien as number,
      ThoiGianThanhToan: thoiGian,
      MaThongBaoThue: maTb,
      TrangThaiThanhToan: trangThai as 0 | 1,
    },
    ...(typeof url === 'string' ? { UrlFileChungTu: url } : {}),
  };
}

/**
 * Parses a payment confirmation push (tax.md §4.4) into one event for the notice it pays.
 *
 * @remarks A confirmation is identified by (MaThongBaoThue, TrangThaiThanhToan) and a repeat has an
 * identical body, so that pair is the event id and a repeat is dropped by the sink. The event
 * carries no status: `TrangThaiThanhToan` 1 adds the notice to `paidNotices` and a progress row, and
 * the engine returns the dossier to 4 only when every notice it holds is paid (§4.5); a 0 (the
 * treasury refused the payment) is kept for the timeline and changes nothing.
 */
export function parsePaymentConfirmation(raw: Buffer | string, mapping: TaxMappingFile): SystemEvent {
  let body: unknown;
  let tooDeep = false;
  try {
    const text = decodeUtf8Body(raw);
    tooDeep = jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH;
    if (!tooDeep) body = JSON.parse(text);
  } catch (err) {
    if (err instanceof XmlRefused && err.refusal === 'size')
      throw rejectPush(KIND, 'body', 'nội dung vượt quá giới hạn 1 MiB');
    if (err instanceof XmlRefused) throw rejectPush(KIND, 'body', 'chỉ chấp nhận mã hóa UTF-8');
    throw rejectPush(KIND, 'body', 'nội dung JSON không hợp lệ');
  }
  if (tooDeep) throw rejectPush(KIND, 'body', `nội dung JSON lồng sâu quá ${MAX_JSON_DEPTH} cấp`);
  const p = validate(body);
  const tt = p.ThongTinThanhToan;
  const notice = SAFE_ID_RE.test(tt.MaThongBaoThue)
    ? tt.MaThongBaoThue
    : `h${sha256Hex(tt.MaThongBaoThue).slice(0, 32)}`;
  return mapPushEvent(
    mapping.inbound.xacnhannopthue,
    p,
    {
      eventId: `xacnhannopthue~${notice}~${tt.TrangThaiThanhToan}`,
      MaHoSo: p.MaHoSo,
      occurredAt: tt.ThoiGianThanhToan,
    },
    { kind: KIND },
  );
}
