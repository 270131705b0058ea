import type { SystemEvent } from '../../src/domain/system-event.js';
import { parsePaymentConfirmation } from './payment-confirmation.js';
import { parseTaxNotices, type TaxNoticeMessage } from './tax-notices.js';
import type { TaxMappingFile } from './tax-mapping.js';

/**
 * The two pushes of the tax authority (tax.md §4), read from the raw bytes received.
 *
 * @remarks Both methods validate a body completely and convert its times and codes; they never
 * touch Redis, so a body refused here (GatewayError GW_ERR_CALLBACK_INVALID whose details are a
 * `PushRejection` naming the element) has stored nothing. Authentication (the `SecurityKey`
 * header) is the route's job, before the body is read.
 */
export interface TaxInboundParser {
  /** `URL_THONG_BAO_THUE`: tax notices (XML), one event per dossier named, status 6. */
  parseNotices(raw: Buffer | string): Promise<TaxNoticeMessage>;
  /** `URL_XAC_NHAN_NOP_THUE`: one payment confirmation (JSON), one event, no status. */
  parsePayment(raw: Buffer | string): SystemEvent;
}

export function createTaxInboundParser(mapping: TaxMappingFile): TaxInboundParser {
  return {
    parseNotices: (raw) => parseTaxNotices(raw, mapping),
    parsePayment: (raw) => parsePaymentConfirmation(raw, mapping),
  };
}
