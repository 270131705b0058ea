import type { StatusReading, SystemEntryStatus } from '../../src/adapters/adapter.js';
import { isStatus } from '../../src/domain/status-machine.js';
import type { SystemEvent } from '../../src/domain/system-event.js';
import { landUtcToPortal } from '../../src/domain/time.js';
import type { LandMappingFile } from './callbacks.js';

/** One item of `GET /api/motcua/hoso` (land.md §4). */
export interface LandLookupItem {
  hoSoId: number;
  MaHoSoMotCua: string;
  TrangThai: number;
  NgayCapNhat: string;
}

/** Land code 1, "Mới tiếp nhận": the land office has the dossier and has done nothing with it yet. */
const RECEIVED = '1';

/**
 * What the land registry holds for a dossier, read back through its lookup (land.md §4), with each
 * land code turned into the DVCQG status of §4.1 (`statusByLandCode`).
 *
 * @remarks The event built from the state read back carries an id made of the land dossier, its
 * code and the time of its last change, so the same state read twice is applied once; a callback
 * the land system gave up on (land.md §7.2: dropped after 21 attempts) is recovered this way.
 */
export function landStatusReading(
  items: readonly LandLookupItem[],
  mapping: LandMappingFile,
  MaHoSo: string,
  externalId: string | undefined,
): StatusReading {
  const entries: SystemEntryStatus[] = items.map((i) => {
    const code = String(i.TrangThai);
    const status = mapping.statusByLandCode[code];
    return {
      externalId: String(i.hoSoId),
      status: isStatus(status) ? status : undefined,
      code,
      updatedAt: landUtcToPortal(i.NgayCapNhat) ?? '',
      initial: code === RECEIVED,
    };
  });
  const adopted = items.find((i) => String(i.hoSoId) === externalId) ?? items[0];
  const entry = entries.find((e) => e.externalId === String(adopted?.hoSoId));
  if (!adopted || !entry?.status || !entry.updatedAt) return { entries };
  const name = mapping.statusNameByLandCode?.[entry.code] ?? `TrangThai ${entry.code}`;
  const event: SystemEvent = {
    system: 'land',
    eventId: `hoso:${adopted.hoSoId}:${entry.code}:${adopted.NgayCapNhat}`,
    MaHoSo,
    externalId: entry.externalId,
    occurredAt: entry.updatedAt,
    kind: `TrangThai ${entry.code} (read back)`,
    status: entry.status,
    progress: {
      NguoiXuLy: '',
      ChucDanh: '',
      PhongBanXuLy: 'Văn phòng đăng ký đất đai',
      NoiDungXuLy: `Văn phòng đăng ký đất đai: ${name}`,
      NgayKetThucTheoQuyDinh: '',
    },
    data: { TrangThai: entry.code, NgayCapNhat: adopted.NgayCapNhat, readBack: true },
  };
  return { entries, event };
}
