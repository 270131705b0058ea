import type { Redis } from 'ioredis';
import { nowIso } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';

/** Larger payloads (documents with embedded files) are kept cut to this many characters. */
export const PAYLOAD_CAP_CHARS = 256 * 1024;

export interface RecordedPayload {
  at: string;
  attempt: number;
  contentType: string;
  /** The mapped object (JSON systems) or the text sent (XML, SOAP fields). */
  body: unknown;
  truncated: boolean;
}

/**
 * Keeps the last request body an adapter sent for a delivery (`DeliveryContext.recordPayload`).
 *
 * @remarks Only the last attempt's body is kept: every attempt of one delivery maps the same
 * record, so earlier bodies differ at most by a timestamp. The write is fire-and-forget on the
 * store connection; ioredis keeps command order per connection, so it lands before the attempt's
 * outcome is recorded.
 */
export function payloadRecorder(
  redis: Redis,
  keys: Keys,
  ref: { deliveryId: string; MaHoSo: string; attempt: number },
): (payload: unknown, contentType: string) => void {
  return (payload, contentType) => {
    let body = payload;
    let truncated = false;
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (text.length > PAYLOAD_CAP_CHARS) {
      body = text.slice(0, PAYLOAD_CAP_CHARS);
      truncated = true;
    }
    const rec: RecordedPayload = { at: nowIso(), attempt: ref.attempt, contentType, body, truncated };
    void redis
      .set(keys.deliveryPayload(ref.deliveryId, ref.MaHoSo), JSON.stringify(rec))
      .catch(() => undefined);
  };
}

export async function readPayload(
  redis: Redis,
  keys: Keys,
  deliveryId: string,
  maHoSo: string,
): Promise<RecordedPayload | null> {
  const s = await redis.get(keys.deliveryPayload(deliveryId, maHoSo));
  return s ? (JSON.parse(s) as RecordedPayload) : null;
}
