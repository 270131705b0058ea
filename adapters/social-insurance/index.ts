import type {
  AdapterHealth,
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
import { onePerDossier } from '../../src/adapters/plan-rules.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { applyMapping } from '../../src/mapping/template.js';
import { repoPath } from '../../src/paths.js';
import { SocialInsuranceCallbackParser } from './callback-parser.js';
import { factsNeededFor, loadSocialInsuranceMapping, type SocialInsuranceMappingFile } from './mapping.js';
import { CHILD_CARD } from './protocol.js';
import { traCuuReading } from './read-back.js';
import { SocialInsuranceTransport, type NopHoSoRequest } from './transport.js';

export { SocialInsuranceCallbackParser } from './callback-parser.js';
export type {
  CallbackEnvelope,
  CallbackFields,
  SocialInsuranceCallbackParserOptions,
  UsernameToken,
} from './callback-parser.js';
export { callbackResponseXml, faultXml, type FaultCode } from './callback-envelopes.js';
export {
  CALLBACK_OPERATION,
  MA_KET_QUA_UNKNOWN_DOSSIER,
  PASSWORD_TEXT,
  TEXTS,
  soapActionOf,
} from './protocol.js';

export interface SocialInsuranceAdapterOptions {
  /** Address of `HoSoBHXHService` issued at onboarding (e.g. `http://localhost:8084/bhxh/hoso`); overrides the WSDL's. */
  serviceUrl: string;
  /** WS-Security UsernameToken issued by BHXH (§1.1). */
  username: string;
  password: string;
  /** No complete answer within this time = outcome unknown (README §2: 30 s). */
  timeoutMs: number;
  /** `social-insurance.wsdl`. Default: the spec folder next to the repository. */
  wsdlPath?: string;
  /** `social-insurance-callback.wsdl`, served by the inbound route at `?wsdl`. Default: the spec folder. */
  callbackWsdlPath?: string;
}

/** Stands in for facts during the intake dry run: only the shape of the record is checked there. */
const PLACEHOLDER_FACTS = { soDinhDanh: '000000000000' };

/**
 * The social insurance (BHXH) adapter, per social-insurance.md: SOAP 1.1 `NopHoSo` out, status
 * callbacks `CapNhatTrangThaiHoSo` in (see `inbound`, served by `src/http/routes/social-insurance-inbound.ts`).
 *
 * @remarks `NopHoSo` is idempotent on `MaHoSo` (§2.2: a repeat answers `MaKetQua` 1 with the
 * existing receipt number, adopted as success), so a resend after an unknown outcome is safe and
 * the engine need not look up first; `lookup` (`TraCuuHoSo`) is implemented all the same, for an
 * operator or a stricter engine. The child's health-insurance card waits for a fact from civil
 * registration (the child's `soDinhDanh`): without it the delivery is postponed, not failed.
 */
export class SocialInsuranceAdapter implements SystemAdapter {
  readonly system = 'social-insurance' as const;
  readonly protocol = 'soap' as const;
  readonly statusSource = 'callback' as const;
  readonly operations = {
    NopHoSo: { idempotent: true, needsExternalId: false },
  } as const;
  readonly mapping: SocialInsuranceMappingFile;
  /** Reads BHXH's status callbacks; handed to the inbound route. */
  readonly inbound: SocialInsuranceCallbackParser;
  private readonly transport: SocialInsuranceTransport;

  constructor(options: SocialInsuranceAdapterOptions) {
    this.mapping = loadSocialInsuranceMapping();
    this.transport = new SocialInsuranceTransport({
      serviceUrl: options.serviceUrl,
      username: options.username,
      password: options.password,
      timeoutMs: options.timeoutMs,
      wsdlPath: options.wsdlPath ?? repoPath('..', 'shared', 'specs', 'social-insurance.wsdl'),
    });
    this.inbound = new SocialInsuranceCallbackParser({
      mapping: this.mapping,
      ...(options.callbackWsdlPath ? { callbackWsdlPath: options.callbackWsdlPath } : {}),
    });
  }

  /** One intent per dossier: the submission. A dossier first seen in a terminal state is never sent. */
  plan(change: DossierChange): PlannedOperation[] {
    return onePerDossier(change, 'NopHoSo');
  }

  requirements(record: DossierRecord): Array<{ path: string; message: string }> {
    const out: Array<{ path: string; message: string }> = [];
    if (!record.BHXH)
      out.push({ path: '/BHXH', message: 'is required by social insurance (social-insurance.md §2.1)' });
    if (!record.NgayHenTra) {
      out.push({
        path: '/NgayHenTra',
        message: 'is required by social insurance (NopHoSo NgayHenTra, §2.1)',
      });
    }
    if (record.BHXH?.LoaiHoSo === CHILD_CARD && record.HoTich?.Module !== 'KS') {
      out.push({
        path: '/HoTich/Module',
        message: `must be "KS": ${CHILD_CARD} is submitted with the soDinhDanh that birth registration assigns (portal.md §3.3)`,
      });
    }
    if (out.length > 0) return out;
    return mappingProblems('social insurance', () => this.request(record, PLACEHOLDER_FACTS));
  }

  private request(record: DossierRecord, facts: Readonly<Record<string, string>>): NopHoSoRequest {
    const mapped = applyMapping(this.mapping.requests.NopHoSo, record, { extra: { facts } }) as Record<
      string,
      unknown
    >;
    // README §2: text goes out in NFC; a record holding decomposed text would not match BHXH's register.
    return Object.fromEntries(
      Object.entries(mapped).map(([k, v]) => [
        k,
        (typeof v === 'string' ? v : String(v ?? '')).normalize('NFC'),
      ]),
    );
  }

  async deliver(ctx: DeliveryContext): Promise<DeliveryResult> {
    if (ctx.operation !== 'NopHoSo') {
      throw new GatewayError('GW_ERR_INTERNAL', {
        message: `social-insurance: unknown operation ${ctx.operation}`,
      });
    }
    const loaiHoSo = ctx.record.BHXH?.LoaiHoSo;
    const missing = factsNeededFor(this.mapping, loaiHoSo).filter((f) => !ctx.facts[f]);
    if (missing.length > 0) {
      throw new GatewayError('GW_ERR_DELIVERY_PREREQUISITE', {
        message: `social-insurance NopHoSo ${loaiHoSo}: waiting for ${missing.join(', ')} from civil registration (birth not registered yet)`,
        details: { facts: missing },
      });
    }
    const body = mapOrReject('social-insurance NopHoSo', () => this.request(ctx.record, ctx.facts));
    if (loaiHoSo === CHILD_CARD && !/^[0-9]{12}$/.test(body.SoCCCD ?? '')) {
      throw new GatewayError('GW_ERR_SYSTEM_REJECTED', {
        message: 'social-insurance NopHoSo: the soDinhDanh from civil registration is not 12 digits (SoCCCD)',
        details: { mapping: '$.SoCCCD' },
      });
    }
    ctx.recordPayload?.(body, 'application/json');
    const out = await this.transport.nopHoSo(body, ctx.signal);
    return {
      externalId: out.SoBienNhanBHXH,
      note: out.existed
        ? `BHXH already held this dossier (MaKetQua 1); adopted receipt ${out.SoBienNhanBHXH}`
        : `BHXH receipt ${out.SoBienNhanBHXH}`,
    };
  }

  async lookup(ctx: DeliveryContext): Promise<LookupResult> {
    if (ctx.operation !== 'NopHoSo') return { found: false };
    const r = await this.transport.traCuuHoSo(ctx.record.MaHoSo, ctx.signal);
    if (!r.found) return { found: false };
    return {
      found: true,
      externalId: r.SoBienNhanBHXH,
      note: `BHXH already held this dossier (TraCuuHoSo: TrangThai ${r.TrangThai}); adopted receipt ${r.SoBienNhanBHXH}`,
    };
  }

  /** `TraCuuHoSo` (§3): one entry (BHXH holds one dossier per MaHoSo) or none. */
  async status(ctx: StatusContext): Promise<StatusReading> {
    const r = await this.transport.traCuuHoSo(ctx.MaHoSo, ctx.signal);
    return r.found ? traCuuReading(r, ctx.MaHoSo, this.mapping) : { entries: [] };
  }

  health(): Promise<AdapterHealth> {
    return probeHealth(() => this.transport.traCuuHoSo('HEALTHCHECK-0'));
  }
}
