import type { SystemEvent } from '../../src/domain/system-event.js';
import { isStatus } from '../../src/domain/status-machine.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { applyMapping, MappingError } from '../../src/mapping/template.js';
import { civilDateTimeToPortal } from './dates.js';
import type { CivilStatusMapping } from './mapping.js';
import { textOf, type XmlObject } from './xml.js';

/**
 * One dossier state read from `LayKetQua` (civil-registration.md §4.1, §5.3) as a SystemEvent.
 *
 * @remarks The system keeps only the current state of a dossier, and answers it again on every
 * poll; the event id is therefore derived from what identifies the state — (maHoSo, trangThai,
 * ngayCapNhat) — so re-reading an unchanged dossier produces the same id, which the engine drops
 * as a duplicate, while a real change (even back to an earlier trangThai, 3 → 2) gets a new one.
 */
export interface CivilStatusItem {
  maHoSo: string;
  soHoSoHoTich: string;
  trangThai: string;
  ngayCapNhat: string;
  soDangKy: string;
  soDinhDanh: string;
  ghiChu: string;
}

const MA_HO_SO = /^[A-Za-z0-9.-]{1,50}$/;
const TWELVE_DIGITS = /^[0-9]{12}$/;
const FIELDS = [
  'maHoSo',
  'soHoSoHoTich',
  'trangThai',
  'ngayCapNhat',
  'soDangKy',
  'soDinhDanh',
  'ghiChu',
] as const;

function invalid(path: string, message: string): GatewayError {
  return new GatewayError('GW_ERR_CALLBACK_INVALID', {
    message: `civil-registration LayKetQua: ${path} ${message}`,
    details: [{ path, message }],
  });
}

/** Reads the fields of a `<ketQua>` (maLoi 0) or `<hoSo>` element; absent and empty are both ''. */
export function readStatusItem(element: unknown): CivilStatusItem {
  const e =
    element !== null && typeof element === 'object' && !Array.isArray(element) ? (element as XmlObject) : {};
  const out = {} as Record<(typeof FIELDS)[number], string>;
  for (const f of FIELDS) out[f] = textOf(e, f);
  return out;
}

/** Throws GW_ERR_CALLBACK_INVALID naming the field when the item breaks §4.1. */
export function statusEvent(item: CivilStatusItem, mapping: CivilStatusMapping): SystemEvent {
  if (!MA_HO_SO.test(item.maHoSo)) throw invalid('/maHoSo', 'must match ^[A-Za-z0-9.-]{1,50}$');
  if (!/^[1-5]$/.test(item.trangThai)) throw invalid('/trangThai', 'must be one of 1, 2, 3, 4, 5');
  const occurredAt = civilDateTimeToPortal(item.ngayCapNhat);
  if (occurredAt === null) throw invalid('/ngayCapNhat', 'is not a dd/MM/yyyy HH:mm:ss date-time');
  if (item.trangThai === '4' && item.soDangKy === '')
    throw invalid('/soDangKy', 'is required when trangThai is 4');
  if (item.soDinhDanh !== '' && !TWELVE_DIGITS.test(item.soDinhDanh))
    throw invalid('/soDinhDanh', 'must be 12 digits');

  // The module is not part of the answer; the dossier number carries it (KS-2025-0001234).
  const module = /^(KS|KT)-/.exec(item.soHoSoHoTich)?.[1] ?? '';
  const ctx = { extra: { module } };
  let mapped: {
    status: unknown;
    progress: unknown;
    supplementRequest: unknown;
    result: unknown;
    facts: unknown;
  };
  try {
    mapped = {
      status: applyMapping(mapping.status, item, ctx),
      progress: mapping.progress ? applyMapping(mapping.progress, item, ctx) : undefined,
      supplementRequest: mapping.supplementRequest
        ? applyMapping(mapping.supplementRequest, item, ctx)
        : undefined,
      result: mapping.result ? applyMapping(mapping.result, item, ctx) : undefined,
      facts: mapping.facts ? applyMapping(mapping.facts, item, ctx) : undefined,
    };
  } catch (err) {
    if (err instanceof MappingError) throw invalid('/', `cannot be mapped: ${err.message}`);
    throw err;
  }

  const event: SystemEvent = {
    system: 'civil-registration',
    eventId: `${item.maHoSo}|${item.trangThai}|${occurredAt}`,
    MaHoSo: item.maHoSo,
    occurredAt,
    kind: `trangThai ${item.trangThai}`,
    data: { trangThai: item.trangThai, ...(item.ghiChu ? { ghiChu: item.ghiChu } : {}) },
  };
  if (item.soHoSoHoTich) event.externalId = item.soHoSoHoTich;
  if (isStatus(mapped.status)) event.status = mapped.status;
  const progress = mapped.progress as
    { NoiDungXuLy?: string; NguoiXuLy?: string; ChucDanh?: string; PhongBanXuLy?: string } | undefined;
  if (progress) {
    event.progress = {
      NguoiXuLy: progress.NguoiXuLy ?? '',
      ChucDanh: progress.ChucDanh ?? '',
      PhongBanXuLy: progress.PhongBanXuLy ?? '',
      NoiDungXuLy: (progress.NoiDungXuLy ?? event.kind).trim(),
      NgayKetThucTheoQuyDinh: '',
    };
  }
  if (mapped.supplementRequest)
    event.supplementRequest = mapped.supplementRequest as SystemEvent['supplementRequest'];
  if (mapped.result) event.result = mapped.result as SystemEvent['result'];
  const facts = mapped.facts as Record<string, string> | null | undefined;
  if (facts && Object.keys(facts).length > 0) event.facts = facts;
  return event;
}
