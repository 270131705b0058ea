import type { Redis } from 'ioredis';
import type { SystemEvent } from '../domain/system-event.js';
import { parsePortalDateTime } from '../domain/time.js';
import { formatLocalIso } from '../domain/time.js';
import type { Keys } from './keys.js';
import { LuaScript } from './lua-script.js';
import { EVENT_TTL_SECONDS, TIMELINE_CAP } from './dossier-store.js';

/**
 * Accepting a system event is one Lua script: remember its id (so a duplicate is recognised for
 * 400 days), put it in the dossier's inbox, note when it arrived and add a timeline entry. Either
 * all of it happens or none, so an event is never half-accepted.
 */
const ACCEPT = new LuaScript(
  'acceptEvent',
  `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) == false then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[3], 'lastArrival', ARGV[4])
redis.call('HSETNX', KEYS[3], 'firstPendingArrival', ARGV[4])
redis.call('RPUSH', KEYS[4], ARGV[5])
redis.call('LTRIM', KEYS[4], -tonumber(ARGV[6]), -1)
redis.call('SADD', KEYS[5], ARGV[7])
return 1
`,
);

export class EventInbox {
  constructor(
    readonly redis: Redis,
    readonly keys: Keys,
  ) {}

  /** Returns true when the event was new, false for a duplicate (nothing written). */
  async accept(event: SystemEvent): Promise<boolean> {
    const occurred = parsePortalDateTime(event.occurredAt)?.getTime() ?? Date.now();
    const entry = JSON.stringify({
      at: formatLocalIso(new Date()),
      type: 'callback',
      system: event.system,
      detail: `${event.kind} received${event.status ? ` (→ ${event.status})` : ''}`,
      data: { eventId: event.eventId, occurredAt: event.occurredAt },
    });
    const res = await ACCEPT.run(
      this.redis,
      [
        this.keys.seenEvent(event.system, event.eventId, event.MaHoSo),
        this.keys.inbox(event.MaHoSo),
        this.keys.dossier(event.MaHoSo),
        this.keys.timeline(event.MaHoSo),
        this.keys.pendingSync(),
      ],
      [
        String(EVENT_TTL_SECONDS),
        String(occurred),
        JSON.stringify(event),
        String(Date.now()),
        entry,
        String(TIMELINE_CAP),
        event.MaHoSo,
      ],
    );
    return res === 1;
  }

  async pending(maHoSo: string): Promise<SystemEvent[]> {
    return (await this.redis.zrange(this.keys.inbox(maHoSo), 0, -1)).map((s) => JSON.parse(s) as SystemEvent);
  }
}
