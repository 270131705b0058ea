import type {
  AdapterHealth,
  DeliveryContext,
  DeliveryResult,
  DossierChange,
  LookupResult,
  PlannedOperation,
  SystemAdapter,
} from '../../src/adapters/adapter.js';
import { probeHealth } from '../../src/adapters/health-probe.js';
import { mappingProblems, mapOrReject } from '../../src/adapters/mapping-errors.js';
import type { DossierRecord } from '../../src/domain/dossier.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { applyMapping } from '../../src/mapping/template.js';
import { createTaxInboundParser, type TaxInboundParser } from './inbound.js';
import { maGdichFor } from './ma-gdich.js';
import { buildXml } from './safe-xml.js';
import { loadTaxMapping, type TaxMappingFile } from './tax-mapping.js';
import { TaxTransport } from './transport.js';

export interface TaxAdapterOptions {
  /** Base address issued at onboarding (tax.md §2), e.g. `http://localhost:8085`. */
  baseUrl: string;
  /** Key sent in the `SecurityKey` header of every transfer form. */
  securityKey: string;
  /**
   * Key the tax authority presents on its pushes. tax.md §2 issues one shared key for both
   * directions, so this is normally equal to `securityKey`. The inbound route is the one that
   * checks it (pass it as `taxInboundRouter({ securityKey })`); the adapter only refuses to start
   * without one, since an empty key would make every push fail authentication.
   */
  inboundSecurityKey: string;
  /** `MA_DVI_GUI`: the sender unit code registered with the tax authority, e.g. `H40.22`. */
  maDviGui: string;
  /** No complete answer within this time = outcome unknown (README §2: 30 s). */
  timeoutMs: number;
  /** Clock for `NGAY_GUI` (tests). */
  now?: () => Date;
}

/** Statuses in which the dossier is received and still being processed: the form is worth sending. */
const SEND_IN_STATUS = new Set(['2', '4', '5', '6']);

export { buildKq, parseKq, KQ_TEXT, type Kq, type MaLoi } from './kq-envelope.js';
export { pushRejectionOf, type PushRejection } from './push-rejection.js';
export { createTaxInboundParser, type TaxInboundParser } from './inbound.js';
export type { TaxNoticeMessage, TaxNoticeRow } from './tax-notices.js';
export type { PaymentConfirmation } from './payment-confirmation.js';
export { maGdichFor } from './ma-gdich.js';

/**
 * The tax authority adapter, per tax.md v2.0: the transfer form out, tax notices and payment
 * confirmations in (pushed, see {@link TaxInboundParser}).
 *
 * @remarks The authority deduplicates on MA_GDICH only (§3.2), and the MA_GDICH of a submission is
 * a pure function of the delivery id ({@link maGdichFor}), identical on every attempt. A resend
 * after an unknown outcome therefore either creates the record (first arrival) or is answered
 * "already accepted": `phieuchuyen` is effectively idempotent, so the engine may resend without a
 * lookup. That matters because the spec has no query operation at all: `lookup` cannot tell, and
 * says so (`found: false`); the resend is the lookup.
 */
export class TaxAdapter implements SystemAdapter {
  readonly system = 'tax' as const;
  readonly protocol = 'xml-http' as const;
  readonly statusSource = 'callback' as const;
  readonly operations = {
    phieuchuyen: { idempotent: true, needsExternalId: false },
  } as const;
  readonly mapping: TaxMappingFile;
  /** Parses the two pushes; hand it to `taxInboundRouter`. */
  readonly inbound: TaxInboundParser;
  private readonly transport: TaxTransport;
  private readonly now: () => Date;

  constructor(private readonly options: TaxAdapterOptions) {
    for (const key of ['baseUrl', 'securityKey', 'inboundSecurityKey', 'maDviGui'] as const) {
      if (!options[key]) throw new GatewayError('GW_ERR_CONFIG_INVALID', { message: `tax: ${key} is empty` });
    }
    this.mapping = loadTaxMapping();
    this.transport = new TaxTransport(options);
    this.inbound = createTaxInboundParser(this.mapping);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * One transfer form per dossier, named by intent, planned while the dossier is received and not
   * finished. A dossier first seen refused, withdrawn, stopped or already finished never reached
   * the tax office, and nothing is sent for it; one that later reaches such a status keeps its
   * delivery (a form already sent cannot be taken back: the spec has no cancel).
   */
  plan({ current }: DossierChange): PlannedOperation[] {
    if (!current.Thue || !SEND_IN_STATUS.has(current.TrangThaiHoSo)) return [];
    return [{ operation: 'phieuchuyen', intentKey: 'phieuchuyen' }];
  }

  requirements(record: DossierRecord): Array<{ path: string; message: string }> {
    if (!record.Thue) return [{ path: '/Thue', message: 'is required by the tax authority (tax.md §3.1)' }];
    return mappingProblems('the tax authority', () => this.form(record, 'PC-REQUIREMENTS-CHECK'));
  }

  /** The transfer form XML (tax.md §3.1) from `mappings/tax.json`. */
  private form(record: DossierRecord, maGdich: string): string {
    const data = applyMapping(this.mapping.requests.phieuchuyen, record, {
      config: { maDviGui: this.options.maDviGui },
      extra: { maGdich },
      now: this.now(),
    }) as Record<string, unknown>;
    return buildXml({ DATA: data });
  }

  async deliver(ctx: DeliveryContext): Promise<DeliveryResult> {
    if (ctx.operation !== 'phieuchuyen') {
      throw new GatewayError('GW_ERR_INTERNAL', { message: `tax: unknown operation ${ctx.operation}` });
    }
    const maGdich = maGdichFor(ctx.deliveryId);
    // NGAY_GUI is the time of this attempt: the spec does not use it for deduplication (§3.1).
    const xml = mapOrReject('tax phieuchuyen', () => this.form(ctx.record, maGdich));
    ctx.recordPayload?.(xml, 'application/xml');
    const kq = await this.transport.phieuchuyen(xml, maGdich, ctx.signal);
    // The authority assigns no id of its own; MA_GDICH is the only handle on the tax record.
    return { externalId: maGdich, note: `tax form ${maGdich}: ${kq.MO_TA || 'accepted'}` };
  }

  /**
   * tax.md has no query operation, so an earlier attempt cannot be looked up. It never needs to
   * be: `phieuchuyen` is idempotent on its MA_GDICH, so the engine resends instead of looking up,
   * and the answer (`00`, "already accepted" or not) settles the outcome.
   */
  async lookup(_ctx: DeliveryContext): Promise<LookupResult> {
    return { found: false };
  }

  health(): Promise<AdapterHealth> {
    return probeHealth(() => this.transport.probe());
  }
}
