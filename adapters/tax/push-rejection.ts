import { GatewayError } from '../../src/errors/gateway-error.js';

/** What a receiver tells the tax authority about a push it can never accept (KQ `01`, tax.md §4.2). */
export interface PushRejection {
  /** The offending element, as the MO_TA must start with it (tax.md §2.1): `ROW[2]/SO_TIEN`, `MaHoSo`… */
  element: string;
  reason: string;
  /** `<element>: <reason>`, ready for MO_TA. */
  moTa: string;
  /** The MA_GDICH of the message when it could be read, echoed in the answer. */
  maGdich: string;
}

/** GW_ERR_CALLBACK_INVALID naming the element; `details` is a {@link PushRejection}. */
export function rejectPush(kind: string, element: string, reason: string, maGdich = ''): GatewayError {
  const details: PushRejection = { element, reason, moTa: `${element}: ${reason}`, maGdich };
  return new GatewayError('GW_ERR_CALLBACK_INVALID', { message: `tax ${kind}: ${details.moTa}`, details });
}

/** The rejection carried by an error from the tax push parsers, if it is one. */
export function pushRejectionOf(err: unknown): PushRejection | undefined {
  if (!(err instanceof GatewayError) || err.code !== 'GW_ERR_CALLBACK_INVALID') return undefined;
  const d = err.details as Partial<PushRejection> | null | undefined;
  if (!d || typeof d.moTa !== 'string') return undefined;
  return { element: d.element ?? '', reason: d.reason ?? '', moTa: d.moTa, maGdich: d.maGdich ?? '' };
}
