import type {
  AdapterHealth,
  DeliveryContext,
  DeliveryResult,
  DossierChange,
  LookupResult,
  PlannedOperation,
  PollBatch,
  PollContext,
  StatusContext,
  StatusReading,
  SystemAdapter,
} from '../../src/adapters/adapter.js';
import { probeHealth } from '../../src/adapters/health-probe.js';
import { mappingProblems, mapOrReject } from '../../src/adapters/mapping-errors.js';
import { onePerDossier } from '../../src/adapters/plan-rules.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { applyMapping } from '../../src/mapping/template.js';
import { loadCivilRegistrationMapping, type CivilRegistrationMappingFile } from './mapping.js';
import { CivilPoller } from './poller.js';
import { CivilRegistrationTransport } from './transport.js';
import { readStatusItem, statusEvent } from './status-events.js';
import { buildXmlDocument, pruneEmpty, textOf } from './xml.js';

export { readStatusItem, statusEvent, type CivilStatusItem } from './status-events.js';
export { loadCivilRegistrationMapping, type CivilRegistrationMappingFile } from './mapping.js';

export interface CivilRegistrationAdapterOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** No complete answer within this → outcome unknown (README §2: 30 s). */
  timeoutMs: number;
  /** More open dossiers than this are polled by time window (§5) instead of one by one. Default 20. */
  windowThreshold?: number;
  /** Requests per second to `/api/hotich/*` from this process (§1 allows 10). Default 10. */
  maxRequestsPerSecond?: number;
  /** How far each poll window reaches back before the cursor. Default 2 minutes. */
  pollOverlapMs?: number;
  /** Start of the first window when there is no cursor yet. Default 30 days. */
  pollInitialLookbackMs?: number;
  /** 7-day windows read in one poll when catching up. Default 10. */
  pollMaxWindows?: number;
}

/** `yyyyMMddHHmmss` → `yyyyMMdd`, to compare dates. */
const day = (s: string | undefined): string => (s ?? '').slice(0, 8);

/**
 * The civil registration (hộ tịch) adapter, per civil-registration.md v1.6.
 *
 * @remarks `NhanDKHT` is idempotent on `maHoSo` (§3.2, `maLoi` 2 returns the existing number), so a
 * resend after an unknown outcome is safe and adopts the number; `lookup` (`LayKetQua?maHoSo=`) is
 * still there to settle an unknown outcome without sending. There are no callbacks: statuses are
 * pulled by `poll`.
 */
export class CivilRegistrationAdapter implements SystemAdapter {
  readonly system = 'civil-registration' as const;
  readonly protocol = 'xml-http' as const;
  readonly statusSource = 'poll' as const;
  readonly operations = {
    NhanDKHT: { idempotent: true, needsExternalId: false },
  } as const;
  readonly mapping: CivilRegistrationMappingFile;
  private readonly transport: CivilRegistrationTransport;
  private readonly poller: CivilPoller;

  constructor(options: CivilRegistrationAdapterOptions) {
    this.mapping = loadCivilRegistrationMapping();
    this.transport = new CivilRegistrationTransport({
      baseUrl: options.baseUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      timeoutMs: options.timeoutMs,
      maxRequestsPerSecond: options.maxRequestsPerSecond ?? 10,
    });
    this.poller = new CivilPoller(this.transport, this.mapping.status, {
      windowThreshold: options.windowThreshold ?? 20,
      overlapMs: options.pollOverlapMs ?? 120_000,
      initialLookbackMs: options.pollInitialLookbackMs ?? 30 * 24 * 3600 * 1000,
      maxWindowsPerPoll: options.pollMaxWindows ?? 10,
    });
  }

  /**
   * One submission per dossier, named by intent: a redelivered or later version maps onto the same
   * delivery. The system has no supplement or result-handover call (§4.2), so nothing else is sent.
   */
  plan(change: DossierChange): PlannedOperation[] {
    return onePerDossier(change, 'NhanDKHT');
  }

  requirements(record: DossierRecord): Array<{ path: string; message: string }> {
    const out: Array<{ path: string; message: string }> = [];
    const ht = record.HoTich;
    const need = (path: string) =>
      out.push({ path, message: 'is required by civil registration (civil-registration.md §3.1)' });
    if (!ht) need('/HoTich');
    if (!record.NgayTiepNhan) need('/NgayTiepNhan');
    if (!ht || out.length > 0) return out;
    if (ht.Module === 'KS') {
      if (!ht.NguoiDuocKhaiSinh) need('/HoTich/NguoiDuocKhaiSinh');
      if (!ht.Me) need('/HoTich/Me');
      if (ht.NguoiDuocKhaiSinh && day(ht.NguoiDuocKhaiSinh.NgaySinh) > day(record.NgayTiepNhan)) {
        out.push({
          path: '/HoTich/NguoiDuocKhaiSinh/NgaySinh',
          message: 'must not be after NgayTiepNhan (civil-registration.md §3.1)',
        });
      }
    } else if (ht.Module === 'KT') {
      if (!ht.NguoiChet) need('/HoTich/NguoiChet');
      if (ht.NguoiChet && day(ht.NguoiChet.NgayChet) > day(record.NgayTiepNhan)) {
        out.push({
          path: '/HoTich/NguoiChet/NgayChet',
          message: 'must not be after NgayTiepNhan (civil-registration.md §3.1)',
        });
      }
    }
    if (out.length > 0) return out;
    return mappingProblems('civil registration', () => this.requestBody(record), { at: '/HoTich' });
  }

  /** The `<hoTich>` document for a record (§3.1); throws MappingError when a value cannot be converted. */
  requestXml(record: DossierRecord): string {
    return buildXmlDocument('hoTich', this.requestBody(record));
  }

  private requestBody(record: DossierRecord): Record<string, unknown> {
    const mapped = applyMapping(this.mapping.requests.NhanDKHT, record);
    return (pruneEmpty(mapped) ?? {}) as Record<string, unknown>;
  }

  async deliver(ctx: DeliveryContext): Promise<DeliveryResult> {
    if (ctx.operation !== 'NhanDKHT') {
      throw new GatewayError('GW_ERR_INTERNAL', {
        message: `civil-registration: unknown operation ${ctx.operation}`,
      });
    }
    const xml = mapOrReject('civil-registration NhanDKHT', () => this.requestXml(ctx.record));
    ctx.recordPayload?.(xml, 'application/xml');
    const ketQua = await this.transport.nhanDKHT(xml, ctx.signal);
    const so = textOf(ketQua, 'soHoSoHoTich');
    const result: DeliveryResult = {};
    if (so) result.externalId = so;
    result.note =
      textOf(ketQua, 'maLoi') === '2'
        ? `civil registration already held this dossier (maLoi 2); adopted ${so || 'it'}`
        : `civil registration dossier ${so || '(no number returned)'} created`;
    return result;
  }

  async lookup(ctx: DeliveryContext): Promise<LookupResult> {
    if (ctx.operation !== 'NhanDKHT') return { found: false };
    const ketQua = await this.transport.layKetQua(ctx.record.MaHoSo, ctx.signal);
    if (textOf(ketQua, 'maLoi') !== '0') return { found: false };
    const so = textOf(ketQua, 'soHoSoHoTich');
    return { found: true, externalId: so, note: `civil registration dossier ${so} already existed; adopted` };
  }

  poll(ctx: PollContext): Promise<PollBatch> {
    return this.poller.poll(ctx);
  }

  /**
   * `LayKetQua?maHoSo=` (§4): the system holds one dossier per maHoSo (NhanDKHT is idempotent on
   * it), so the reading has one entry or none. Its event is the very one the poller would make of
   * the same answer (same id), so a state both read back and polled is applied once.
   */
  async status(ctx: StatusContext): Promise<StatusReading> {
    const ketQua = await this.transport.layKetQua(ctx.MaHoSo, ctx.signal);
    if (textOf(ketQua, 'maLoi') !== '0') return { entries: [] };
    const item = readStatusItem(ketQua);
    const event = statusEvent(item, this.mapping.status);
    return {
      entries: [
        {
          externalId: item.soHoSoHoTich,
          status: event.status,
          code: item.trangThai,
          updatedAt: event.occurredAt,
          initial: item.trangThai === '1',
        },
      ],
      event,
    };
  }

  /** A token and a read of a code that cannot exist: `maLoi` 4 proves the whole path works. */
  health(): Promise<AdapterHealth> {
    return probeHealth(() => this.transport.layKetQua('HEALTHCHECK-0'));
  }
}
