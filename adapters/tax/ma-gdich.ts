import { parseDeliveryId } from '../../src/domain/delivery.js';
import { sha256Hex } from '../../src/security/constant-time.js';

/** tax.md §3.1: 1..50 characters of `[A-Za-z0-9._-]`. */
export const MA_GDICH_RE = /^[A-Za-z0-9._-]{1,50}$/;

/**
 * The number of each submission intent within its dossier, as in the spec's example
 * `PC-H40.22-251105-0001-01`. The gateway sends one transfer form per dossier.
 */
const SUBMISSION_NUMBER: Readonly<Record<string, string>> = { phieuchuyen: '01' };

/**
 * The MA_GDICH of a transfer form, computed from the delivery alone.
 *
 * @remarks The tax authority deduplicates on MA_GDICH only (tax.md §3.2): a new MA_GDICH for the
 * same dossier creates a second tax record. So the value is never chosen at send time and never
 * stored first: it is a pure function of the delivery id (dossier + intent), and every attempt —
 * after a timeout, a 5xx, a `99`, or a worker killed between "choose" and "send" — recomputes the
 * same value. `PC-<MaHoSo>-<NN>` is readable and unique per sender because MaHoSo is unique
 * nationwide; when that does not fit the 50-character rule (a MaHoSo longer than 44 characters, or
 * an id that is not a gateway delivery id), a hash of the delivery id is used instead, just as stable.
 */
export function maGdichFor(deliveryId: string): string {
  const parsed = parseDeliveryId(deliveryId);
  if (parsed) {
    const number = SUBMISSION_NUMBER[parsed.intentKey] ?? sha256Hex(parsed.intentKey).slice(0, 8);
    const readable = `PC-${parsed.MaHoSo}-${number}`;
    if (MA_GDICH_RE.test(readable)) return readable;
  }
  return `PC-${sha256Hex(deliveryId).slice(0, 47)}`;
}
