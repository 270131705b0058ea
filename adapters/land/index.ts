import type {
  AdapterHealth,
  CallbackParser,
  DeliveryContext,
  DeliveryResult,
  DossierChange,
  LookupResult,
  PlannedOperation,
  StatusContext,
  StatusReading,
  SystemAdapter,
} from '../../src/adapters/adapter.js';
import { probeHealth } from '../../src/adapters/health-probe.js';
import { mappingProblems, mapOrReject } from '../../src/adapters/mapping-errors.js';
import { firstSeenTerminal } from '../../src/adapters/plan-rules.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { applyMapping } from '../../src/mapping/template.js';
import { toNfc } from '../../src/mapping/nfc.js';
import { createLandCallbackParser, loadLandMapping, type LandMappingFile } from './callbacks.js';
import { landStatusReading } from './read-back.js';
import { LandTransport } from './transport.js';

export interface LandAdapterOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  tinhId: number;
  callbackSecurityCode: string;
}

/**
 * The land registry (VBDLIS) adapter, per land.md.
 *
 * @remarks `tiepnhan` is not idempotent (land.md §3.3): the engine's ledger calls `lookup` before
 * any retry after an unknown outcome, and an existing land dossier is adopted, never re-created.
 * Both update calls are idempotent at the land system and need the hoSoId.
 */
export class LandAdapter implements SystemAdapter {
  readonly system = 'land' as const;
  readonly protocol = 'rest-json' as const;
  readonly statusSource = 'callback' as const;
  readonly operations = {
    tiepnhan: { idempotent: false, needsExternalId: false },
    capnhattrangthaibosunghoso: { idempotent: true, needsExternalId: true },
    capnhattrangthaitraketquahoso: { idempotent: true, needsExternalId: true },
  } as const;
  readonly callbacks: CallbackParser;
  readonly mapping: LandMappingFile;
  private readonly transport: LandTransport;

  constructor(private readonly options: LandAdapterOptions) {
    this.mapping = loadLandMapping();
    this.transport = new LandTransport(options);
    this.callbacks = createLandCallbackParser(options.callbackSecurityCode, this.mapping);
  }

  /**
   * Operations are derived from the current version alone and named by intent, so a redelivered or
   * repeated version maps onto deliveries that already exist and nothing is sent twice.
   */
  plan(change: DossierChange): PlannedOperation[] {
    const { current } = change;
    const ops: PlannedOperation[] = [];
    if (!firstSeenTerminal(change)) ops.push({ operation: 'tiepnhan', intentKey: 'tiepnhan' });
    for (const bs of current.DanhSachHoSoBoSung ?? []) {
      if (!bs.NgayTiepNhanBoSung) continue;
      ops.push({
        operation: 'capnhattrangthaibosunghoso',
        intentKey: `bosung-${bs.MaHoSoBoSung}`,
        params: {
          MaHoSoBoSung: bs.MaHoSoBoSung,
          NgayTiepNhanBoSung: bs.NgayTiepNhanBoSung,
          NoiDungBoSung: bs.NoiDungBoSung || 'Công dân đã nộp hồ sơ bổ sung tại bộ phận một cửa',
        },
      });
    }
    if (current.TrangThaiHoSo === '10' && current.NgayTra) {
      ops.push({
        operation: 'capnhattrangthaitraketquahoso',
        intentKey: 'traketqua',
        params: { NgayTra: current.NgayTra },
      });
    }
    return ops;
  }

  requirements(record: DossierRecord): Array<{ path: string; message: string }> {
    const out: Array<{ path: string; message: string }> = [];
    if (!record.ThongTinThuaDat)
      out.push({ path: '/ThongTinThuaDat', message: 'is required by the land registry (land.md §3.1)' });
    if (!record.NgayTiepNhan)
      out.push({ path: '/NgayTiepNhan', message: 'is required by the land registry (land.md §3.1)' });
    if (!record.NgayHenTra)
      out.push({ path: '/NgayHenTra', message: 'is required by the land registry (land.md §3.1)' });
    if (out.length > 0) return out;
    return mappingProblems('the land registry', () =>
      applyMapping(this.mapping.requests.tiepnhan, record, { config: { tinhId: this.options.tinhId } }),
    );
  }

  private body(ctx: DeliveryContext): unknown {
    const template = this.mapping.requests[ctx.operation];
    if (template === undefined)
      throw new GatewayError('GW_ERR_INTERNAL', { message: `land: unknown operation ${ctx.operation}` });
    // README §2 of the specs: the land registry stores text as received, so it must leave in NFC.
    return toNfc(
      mapOrReject(`land ${ctx.operation}`, () =>
        applyMapping(template, ctx.record, {
          config: { tinhId: this.options.tinhId },
          extra: { externalId: ctx.externalId, params: ctx.params },
        }),
      ),
    );
  }

  async deliver(ctx: DeliveryContext): Promise<DeliveryResult> {
    const body = this.body(ctx);
    ctx.recordPayload?.(body, 'application/json');
    if (ctx.operation === 'tiepnhan') {
      const hoSoId = await this.transport.tiepnhan(body);
      return { externalId: String(hoSoId), note: `land dossier ${hoSoId} created` };
    }
    await this.transport.update(
      ctx.operation as 'capnhattrangthaibosunghoso' | 'capnhattrangthaitraketquahoso',
      body,
    );
    return {};
  }

  async lookup(ctx: DeliveryContext): Promise<LookupResult> {
    if (ctx.operation !== 'tiepnhan') return { found: false };
    const items = await this.transport.lookup(ctx.record.MaHoSo);
    const first = items[0];
    if (!first) return { found: false };
    const note =
      items.length > 1
        ? `land already holds ${items.length} dossiers for this code (${items.map((i) => i.hoSoId).join(', ')}); adopted ${first.hoSoId}`
        : `land dossier ${first.hoSoId} already existed; adopted`;
    return { found: true, externalId: String(first.hoSoId), note };
  }

  /** Every land dossier of the code (the lookup, land.md §4), its land code mapped by §4.1. */
  async status(ctx: StatusContext): Promise<StatusReading> {
    const items = await this.transport.lookup(ctx.MaHoSo);
    return landStatusReading(items, this.mapping, ctx.MaHoSo, ctx.externalId);
  }

  health(): Promise<AdapterHealth> {
    return probeHealth(() => this.transport.lookup('HEALTHCHECK-0'));
  }
}
