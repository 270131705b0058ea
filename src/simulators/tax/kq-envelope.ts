import { buildXml } from '../../xml/build-xml.js';
import { children, leaf } from '../../xml/element-values.js';
import { parseXmlSafely } from './safe-xml.js';

/** Result codes of the KQ envelope (tax.md §3.3, §4.2). */
export type MaLoi = '00' | '01' | '02' | '99';

export interface Kq {
  MA_LOI: string;
  MO_TA: string;
  MA_GDICH: string;
}

/** Fixed descriptions, worded as in the spec's example files. */
export const MO_TA = {
  accepted: 'Tiếp nhận thành công',
  duplicate: 'Giao dịch đã được tiếp nhận trước đó',
  busy: 'Lỗi hệ thống, vui lòng gửi lại sau',
  unauthorized: 'SecurityKey không hợp lệ',
} as const;

/** `<DATA><BODY><KQ><MA_LOI/><MO_TA/><MA_GDICH/></KQ></BODY></DATA>` (tax.md §2.1). */
export function buildKq(maLoi: MaLoi, moTa: string, maGdich: string): string {
  return buildXml({ DATA: { BODY: { KQ: { MA_LOI: maLoi, MO_TA: moTa, MA_GDICH: maGdich } } } });
}

/** Reads a KQ envelope answered by a receiver; undefined when the body is not one. */
export async function parseKq(text: string): Promise<Kq | undefined> {
  try {
    const doc = parseXmlSafely(text);
    const data = doc['DATA'];
    const body = children(data, 'BODY');
    const kqs = body.length === 1 ? children(body[0], 'KQ') : [];
    if (kqs.length !== 1) return undefined;
    const kq = kqs[0];
    const maLoi = leaf(kq, 'MA_LOI');
    if (maLoi.kind !== 'text') return undefined;
    const moTa = leaf(kq, 'MO_TA');
    const maGdich = leaf(kq, 'MA_GDICH');
    return {
      MA_LOI: maLoi.value,
      MO_TA: moTa.kind === 'text' ? moTa.value : '',
      MA_GDICH: maGdich.kind === 'text' ? maGdich.value : '',
    };
  } catch {
    return undefined;
  }
}
