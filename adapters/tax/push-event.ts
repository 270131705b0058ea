import type { SystemEvent } from '../../src/domain/system-event.js';
import { isStatus } from '../../src/domain/status-machine.js';
import { applyMapping, MappingError } from '../../src/mapping/template.js';
import { rejectPush } from './push-rejection.js';
import type { TaxInboundMapping } from './tax-mapping.js';

type Progress = NonNullable<SystemEvent['progress']>;

/**
 * Builds a SystemEvent from a push: identity and time come from the parser (they decide
 * deduplication and ordering, so they stay in code), everything the event *means* for the national
 * record (status, progress row, notices, timeline data) comes from `mappings/tax.json`.
 */
export function mapPushEvent(
  map: TaxInboundMapping,
  source: unknown,
  base: { eventId: string; MaHoSo: string; occurredAt: string },
  options: { kind: string; maGdich?: string },
): SystemEvent {
  try {
    const event: SystemEvent = { system: 'tax', ...base, kind: map.kind };
    const status = map.status === undefined ? undefined : applyMapping(map.status, source);
    if (isStatus(status)) event.status = status;
    const progress = map.progress ? (applyMapping(map.progress, source) as Partial<Progress> | null) : null;
    if (progress) {
      event.progress = {
        NguoiXuLy: progress.NguoiXuLy ?? '',
        ChucDanh: progress.ChucDanh ?? '',
        PhongBanXuLy: progress.PhongBanXuLy ?? '',
        NoiDungXuLy: (progress.NoiDungXuLy ?? map.kind).trim(),
        NgayKetThucTheoQuyDinh: progress.NgayKetThucTheoQuyDinh ?? '',
      };
    }
    if (map.taxNotices) event.taxNotices = applyMapping(map.taxNotices, source) as SystemEvent['taxNotices'];
    if (map.paidNotices) {
      const paid = applyMapping(map.paidNotices, source) as string[];
      if (paid.length > 0) event.paidNotices = paid;
    }
    if (map.data) event.data = applyMapping(map.data, source) as Record<string, unknown>;
    return event;
  } catch (err) {
    if (err instanceof MappingError) throw rejectPush(options.kind, err.path, err.message, options.maGdich);
    throw err;
  }
}
