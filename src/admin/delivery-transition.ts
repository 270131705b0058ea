import type { Redis } from 'ioredis';
import type { DeliveryState } from '../domain/delivery.js';
import { DELIVERY_STATES, TIMELINE_CAP } from '../store/dossier-store.js';
import type { Keys } from '../store/keys.js';

/**
 * Moves a delivery to a new state only if it is in one of the allowed ones, with its index entries
 * and a timeline entry, atomically (one Lua script): two administrators acting at once, or an
 * administrator and a worker, cannot both win.
 *
 * KEYS: 1 delivery hash, 2 timeline, 3.. the per-state indices (in ARGV state order).
 * ARGV: 1 allowed states (comma separated), 2 new state, 3 now (ms), 4 timeline entry, 5 timeline
 * cap, 6 number of states n, 7..6+n state names, then the count of field/value pairs to set and
 * the pairs, then the fields to delete.
 */
const TRANSITION = `
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur then return {0, ''} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == cur then allowed = true end end
if not allowed then return {0, cur} end
local n = tonumber(ARGV[6])
local id = redis.call('HGET', KEYS[1], 'id')
for i = 1, n do
  if ARGV[6 + i] == ARGV[2] then redis.call('ZADD', KEYS[2 + i], ARGV[3], id)
  else redis.call('ZREM', KEYS[2 + i], id) end
end
local at = 7 + n
local np = tonumber(ARGV[at])
for i = 1, np do redis.call('HSET', KEYS[1], ARGV[at + 2 * i - 1], ARGV[at + 2 * i]) end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
for i = at + 2 * np + 1, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
return {1, cur}
`;

export async function transitionDelivery(
  redis: Redis,
  keys: Keys,
  t: {
    MaHoSo: string;
    deliveryId: string;
    from: readonly DeliveryState[];
    to: DeliveryState;
    set: Record<string, string>;
    del?: readonly string[];
    timeline: Record<string, unknown>;
  },
): Promise<{ ok: boolean; previous: DeliveryState | null }> {
  const states = [...DELIVERY_STATES];
  const pairs = Object.entries(t.set).flat();
  const res = (await redis.eval(
    TRANSITION,
    2 + states.length,
    keys.delivery(t.deliveryId, t.MaHoSo),
    keys.timeline(t.MaHoSo),
    ...states.map((s) => keys.deliveriesInState(s)),
    t.from.join(','),
    t.to,
    String(Date.now()),
    JSON.stringify(t.timeline),
    String(TIMELINE_CAP),
    String(states.length),
    ...states,
    String(pairs.length / 2),
    ...pairs,
    ...(t.del ?? []),
  )) as [number, string];
  return { ok: res[0] === 1, previous: (res[1] || null) as DeliveryState | null };
}

/** Pops the chain head if it is `deliveryId`; returns the new head. */
const ADVANCE_CHAIN = `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1])
else redis.call('LREM', KEYS[1], 1, ARGV[1]) end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
return redis.call('LINDEX', KEYS[1], 0)
`;

/** Takes a delivery out of its chain (wherever it is), so the operations behind it proceed. */
export async function leaveChain(
  redis: Redis,
  keys: Keys,
  d: { MaHoSo: string; system: string; deliveryId: string },
): Promise<string | null> {
  return (await redis.eval(
    ADVANCE_CHAIN,
    2,
    keys.chain(d.MaHoSo, d.system as never),
    keys.pendingChains(),
    d.deliveryId,
    `${d.MaHoSo}|${d.system}`,
  )) as string | null;
}
