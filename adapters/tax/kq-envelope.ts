import { children, leaf } from '../../src/xml/element-values.js';
import { xmlSafeText } from '../../src/xml/safe-xml.js';
import { buildXml, parseXmlSafely } from './safe-xml.js';

/**
 * The result envelope every tax answer uses, in both directions (tax.md §2.1):
 * `<DATA><BODY><KQ><MA_LOI/><MO_TA/><MA_GDICH/></KQ></BODY></DATA>`.
 */
export interface Kq {
  /** `00` accepted, `01` never acceptable, `02` wrong key, `99` temporary (§3.3, §4.2). */
  MA_LOI: string;
  MO_TA: string;
  /** The MA_GDICH answered; empty for a payment confirmation or an unauthenticated call. */
  MA_GDICH: string;
}

export type MaLoi = '00' | '01' | '02' | '99';

/** Answers the gateway gives the tax authority's pushes, worded like the spec's examples. */
export const KQ_TEXT = {
  received: 'Đã nhận',
  unauthorized: 'SecurityKey không hợp lệ',
  temporary: 'Lỗi tạm thời, vui lòng gửi lại sau',
} as const;

export function buildKq(maLoi: MaLoi, moTa: string, maGdich: string): string {
  // Echoed values came from outside (a payment's MaHoSo, a MA_GDICH): an answer must always build.
  const kq = { MA_LOI: maLoi, MO_TA: xmlSafeText(moTa), MA_GDICH: xmlSafeText(maGdich) };
  return buildXml({ DATA: { BODY: { KQ: kq } } });
}

/** Reads a KQ envelope; undefined when the text is not exactly one (so the caller cannot trust it). */
export async function parseKq(text: string): Promise<Kq | undefined> {
  let doc: Record<string, unknown>;
  try {
    doc = parseXmlSafely(text);
  } catch {
    return undefined;
  }
  const body = children(doc['DATA'], 'BODY');
  const kqs = body.length === 1 ? children(body[0], 'KQ') : [];
  if (kqs.length !== 1) return undefined;
  const maLoi = leaf(kqs[0], 'MA_LOI');
  if (maLoi.kind !== 'text') return undefined;
  const moTa = leaf(kqs[0], 'MO_TA');
  const maGdich = leaf(kqs[0], 'MA_GDICH');
  return {
    MA_LOI: maLoi.value.trim(),
    MO_TA: moTa.kind === 'text' ? moTa.value : '',
    MA_GDICH: maGdich.kind === 'text' ? maGdich.value : '',
  };
}
