import type { StatusReading } from '../../src/adapters/adapter.js';
import { isStatus } from '../../src/domain/status-machine.js';
import type { ProgressRow, SystemEvent } from '../../src/domain/system-event.js';
import { applyMapping } from '../../src/mapping/template.js';
import type { SocialInsuranceMappingFile } from './mapping.js';
import type { TraCuuHoSoOutcome } from './transport.js';
import { xsDateTimeToPortal } from './xs-dates.js';

/** TrangThai 1: BHXH has received the dossier and has done nothing with it yet (§3). */
const RECEIVED = 1;

/**
 * A found `TraCuuHoSo` answer as a reading, mapped as a callback of the same state would be
 * (`mappings/social-insurance.json` `callback`), so the portal gets the same row either way.
 *
 * @remarks The event id is made of the receipt, the state and `NgayCapNhat`: BHXH's own callback
 * for that state has a `MaSuKien` of its own, so the two are different events; the reconciliation
 * only hands this one over when the gateway's view of BHXH disagrees with it (the callback was lost).
 */
export function traCuuReading(
  r: Extract<TraCuuHoSoOutcome, { found: true }>,
  MaHoSo: string,
  mapping: SocialInsuranceMappingFile,
): StatusReading {
  const updatedAt = xsDateTimeToPortal(r.NgayCapNhat) ?? '';
  const source = {
    MaHoSo,
    SoBienNhanBHXH: r.SoBienNhanBHXH,
    TrangThai: String(r.TrangThai),
    ThoiDiem: updatedAt,
    GhiChu: r.GhiChu ?? '',
  };
  const status = applyMapping(mapping.callback.status, source);
  const entry = {
    externalId: r.SoBienNhanBHXH,
    status: isStatus(status) ? status : undefined,
    code: String(r.TrangThai),
    updatedAt,
    initial: r.TrangThai === RECEIVED,
  };
  if (!entry.status || !updatedAt) return { entries: [entry] };
  const progress = applyMapping(mapping.callback.progress, source) as Partial<ProgressRow>;
  const supplementRequest = applyMapping(mapping.callback.supplementRequest, source) as
    SystemEvent['supplementRequest'] | null;
  const event: SystemEvent = {
    system: 'social-insurance',
    eventId: `TraCuuHoSo:${r.SoBienNhanBHXH}:${r.TrangThai}:${r.NgayCapNhat}`,
    MaHoSo,
    externalId: r.SoBienNhanBHXH,
    occurredAt: updatedAt,
    kind: `TrangThai ${r.TrangThai} (read back)`,
    status: entry.status,
    progress: {
      NguoiXuLy: progress.NguoiXuLy ?? '',
      ChucDanh: progress.ChucDanh ?? '',
      PhongBanXuLy: progress.PhongBanXuLy ?? '',
      NoiDungXuLy: (progress.NoiDungXuLy ?? '').trim() || `TrangThai ${r.TrangThai}`,
      NgayKetThucTheoQuyDinh: progress.NgayKetThucTheoQuyDinh ?? '',
    },
    data: { TrangThai: r.TrangThai, NgayCapNhat: r.NgayCapNhat, readBack: true },
  };
  if (supplementRequest) event.supplementRequest = supplementRequest;
  return { entries: [entry], event };
}
