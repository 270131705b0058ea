import { readFileSync } from 'node:fs';
import type { CallbackParser } from '../../src/adapters/adapter.js';
import type { SystemEvent, ProgressRow } from '../../src/domain/system-event.js';
import { isStatus } from '../../src/domain/status-machine.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { applyMapping, MappingError } from '../../src/mapping/template.js';
import { repoPath } from '../../src/paths.js';
import { safeEqual } from '../../src/security/constant-time.js';
import { toViolations, validator } from '../../src/schemas.js';
import { landUtcToPortal } from '../../src/domain/time.js';

export const LAND_CALLBACK_OPERATIONS = [
  'ChuyenHoSo',
  'YeuCauBoSungHoSo',
  'NhanBoSungHoSo',
  'GuiKetQuaThue',
  'KetThucHoSo',
] as const;

interface CallbackMapping {
  status: unknown;
  progress?: unknown;
  supplementRequest?: unknown;
  result?: unknown;
  taxNotices?: unknown;
}

export interface LandMappingFile {
  requests: Record<string, unknown>;
  statusByLandCode: Record<string, string>;
  /** Names of the land status codes (land.md §4.1), for rows about a status read back. */
  statusNameByLandCode?: Record<string, string>;
  callbacks: Record<string, CallbackMapping>;
}

export function loadLandMapping(): LandMappingFile {
  return JSON.parse(readFileSync(repoPath('mappings', 'land.json'), 'utf8')) as LandMappingFile;
}

/**
 * Land callbacks (land.md §7): the securityCode in the path authenticates; each body is validated
 * against its operation's schema; UTC-without-offset times become local portal times.
 */
export function createLandCallbackParser(securityCode: string, mapping: LandMappingFile): CallbackParser {
  const validators = Object.fromEntries(
    LAND_CALLBACK_OPERATIONS.map((op) => [op, validator(`land-callbacks.schema.json#/$defs/${op}`)]),
  );
  return {
    operations: LAND_CALLBACK_OPERATIONS,
    authenticate: (credential) => safeEqual(credential, securityCode),
    parse(operation, body): SystemEvent {
      const validate = validators[operation];
      const map = mapping.callbacks[operation];
      if (!validate || !map)
        throw new GatewayError('GW_ERR_CALLBACK_UNKNOWN_OPERATION', { details: { operation } });
      if (!validate(body)) {
        const violations = toViolations(validate.errors);
        throw new GatewayError('GW_ERR_CALLBACK_INVALID', {
          message: `land ${operation}: ${violations.map((v) => `${v.path} ${v.message}`).join('; ')}`,
          details: violations,
        });
      }
      const b = body as { EventId: string; hoSoId: number; MaHoSoMotCua: string; ThoiDiem: string };
      const occurred = landUtcToPortal(b.ThoiDiem);
      if (occurred === null) {
        throw new GatewayError('GW_ERR_CALLBACK_INVALID', {
          message: `land ${operation}: /ThoiDiem is not a real date-time`,
          details: [{ path: '/ThoiDiem', message: 'is not a real date-time' }],
        });
      }
      try {
        const status = applyMapping(map.status, body);
        const progress = map.progress
          ? (applyMapping(map.progress, body) as Partial<ProgressRow>)
          : undefined;
        const supplementRequest = map.supplementRequest
          ? (applyMapping(map.supplementRequest, body) as SystemEvent['supplementRequest'])
          : undefined;
        const result = map.result
          ? (applyMapping(map.result, body) as SystemEvent['result'] | null)
          : undefined;
        const taxNotices = map.taxNotices
          ? (applyMapping(map.taxNotices, body) as SystemEvent['taxNotices'])
          : undefined;
        const event: SystemEvent = {
          system: 'land',
          eventId: b.EventId,
          MaHoSo: b.MaHoSoMotCua,
          externalId: String(b.hoSoId),
          occurredAt: occurred,
          kind: operation,
        };
        if (isStatus(status)) event.status = status;
        if (progress) {
          event.progress = {
            NguoiXuLy: progress.NguoiXuLy ?? '',
            ChucDanh: progress.ChucDanh ?? '',
            PhongBanXuLy: progress.PhongBanXuLy ?? '',
            NoiDungXuLy: (progress.NoiDungXuLy ?? operation).trim(),
            NgayKetThucTheoQuyDinh: progress.NgayKetThucTheoQuyDinh ?? '',
          };
        }
        if (supplementRequest) event.supplementRequest = supplementRequest;
        if (result) event.result = result;
        if (taxNotices) event.taxNotices = taxNotices;
        return event;
      } catch (err) {
        if (err instanceof MappingError) {
          throw new GatewayError('GW_ERR_CALLBACK_INVALID', { message: `land ${operation}: ${err.message}` });
        }
        throw err;
      }
    },
  };
}
