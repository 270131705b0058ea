import type { Redis } from 'ioredis';
import { LuaScript } from '../store/lua-script.js';

/**
 * Sets `state: delivering` and a new `inflightSince` on a delivery only if its `inflightSince` is
 * still the one this run read (`''` for none): the compare-and-set that lets one run, and only
 * one, send a non-idempotent request.
 */
const CLAIM = new LuaScript(
  'claimInflight',
  `
local current = redis.call('HGET', KEYS[1], 'inflightSince') or ''
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'delivering', 'inflightSince', ARGV[2], 'updatedAt', ARGV[2])
-- Marks have one-second steps: a claim in the same second as an answered one must not inherit its
-- "answered" (a newer mark never matches an older answer anyway).
if ARGV[2] == current then redis.call('HDEL', KEYS[1], 'inflightAnswered') end
return 1
`,
);

/**
 * Claims the right to send for this run of a delivery.
 *
 * @remarks BullMQ runs a job once at a time only while its lock holds. A lock can be lost while
 * the job still runs: Redis away for longer than `workers.lockDurationMs`, or an event loop
 * blocked as long. The stalled-job check then hands the job to another worker, and two runs of
 * one delivery overlap. For an idempotent operation that is harmless; for a non-idempotent one
 * (land `tiepnhan`) both runs could look the dossier up before either request has committed and
 * both send it. The claim makes the second run see that the first one sent (it then waits, see
 * {@link inflightMayStillRun}) instead of sending too. The fault suite found this (a land dossier
 * entered twice after a Redis restart).
 *
 * @returns false when another run claimed the delivery since `expected` was read
 */
export async function claimInflight(
  redis: Redis,
  deliveryKey: string,
  expected: string | null | undefined,
  now: string,
): Promise<boolean> {
  return (await CLAIM.run(redis, [deliveryKey], [expected ?? '', now])) === 1;
}

const UNCLAIM = new LuaScript(
  'unclaimInflight',
  `
if (redis.call('HGET', KEYS[1], 'inflightSince') or '') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], 'inflightSince')
else redis.call('HSET', KEYS[1], 'inflightSince', ARGV[2]) end
return 1
`,
);

/**
 * Takes back a claim whose request never left (the breaker refused the call): `inflightSince`
 * goes back to what it was before the claim — cleared, or the earlier unknown-outcome mark, which
 * must stay — but only if it is still this run's own mark.
 */
export async function unclaimInflight(
  redis: Redis,
  deliveryKey: string,
  claimed: string,
  before: string | null | undefined,
): Promise<boolean> {
  return (await UNCLAIM.run(redis, [deliveryKey], [claimed, before ?? ''])) === 1;
}

/**
 * How long to wait before a non-idempotent delivery whose earlier request has an unknown outcome
 * (`inflightSince` is set) may be looked up or sent again: until that request must have ended on
 * both sides — the system's request timeout after it left, plus a margin.
 *
 * @remarks Two cases need the wait. A run claimed the delivery and has not reported yet: it is still
 * running somewhere (its lock was lost), or its worker died mid-request. And a request that timed
 * out on our side may still be worked on by a slow system, which commits after we gave up: a lookup
 * made at once would not see it, and the resend would enter the dossier twice. After the wait the
 * lookup can be trusted.
 *
 * @returns milliseconds to wait, 0 when nothing can still be in flight
 */
export function inflightMayStillRun(
  delivery: { state: string; inflightSince?: string | null; inflightAnswered?: string | null },
  requestTimeoutMs: number,
  now = Date.now(),
): number {
  if (!delivery.inflightSince) return 0;
  // The system answered that request (a 5xx: outcome unknown, but it is done with it), so a lookup
  // now sees whatever it did: no need to wait out the timeout.
  if (delivery.inflightAnswered === delivery.inflightSince) return 0;
  const since = Date.parse(delivery.inflightSince);
  if (!Number.isFinite(since)) return 0;
  return Math.max(0, since + requestTimeoutMs + INFLIGHT_MARGIN_MS - now);
}

/** Added to the request timeout: a request leaves a little after `inflightSince` is written, and a slow system finishes a little after we stop waiting. */
export const INFLIGHT_MARGIN_MS = 2000;
