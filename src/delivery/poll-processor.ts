import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InboundSink, SystemAdapter } from '../adapters/adapter.js';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import type { Keys } from '../store/keys.js';
import { nowIso } from '../store/dossier-store.js';
import { LuaScript, RELEASE_LOCK } from '../store/lua-script.js';

export interface PollJob {
  system: SystemId;
}

const RENEW = new LuaScript(
  'renewLock',
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
);
const REJECTS_CAP = 1000;

/**
 * One poll of a system without callbacks (civil registration, document management).
 *
 * @remarks BullMQ's job scheduler makes one job per tick for the whole cluster; a per-system lock
 * keeps a slow poll from overlapping the next tick on another worker. Events are handed to the same
 * sink as callbacks (deduplicated by event id), and only after they are stored does the adapter
 * acknowledge them at the system (`commit`), so a crash in between re-reads, never loses. The lock
 * lives `lockMs` and is renewed while the poll runs, so the lock of a worker killed mid-poll (or
 * one that could not release it while Redis was away) expires within `lockMs`, not after minutes
 * without polling (the fault suite found that).
 */
export class PollProcessor {
  constructor(
    private readonly d: {
      redis: Redis;
      keys: Keys;
      adapters: ReadonlyMap<SystemId, SystemAdapter>;
      sink: InboundSink;
      log: Logger;
      lockMs: number;
    },
  ) {}

  async process(job: Job<PollJob>): Promise<string> {
    const { redis, keys, sink } = this.d;
    const system = job.data.system;
    const adapter = this.d.adapters.get(system);
    if (!adapter?.poll) return `no poller for ${system}`;
    const lockKey = keys.pollLock(system);
    const token = `${process.pid}-${job.id}`;
    if ((await redis.set(lockKey, token, 'PX', this.d.lockMs, 'NX')) !== 'OK')
      return 'previous poll still running';
    const log = this.d.log.child({ system, poll: job.id });
    const renew = setInterval(
      () => void RENEW.run(redis, [lockKey], [token, String(this.d.lockMs)]).catch(() => undefined),
      Math.max(250, Math.floor(this.d.lockMs / 3)),
    );
    renew.unref();
    try {
      const codes = await redis.smembers(keys.openDossiers(system));
      const ext =
        codes.length === 0
          ? []
          : await Promise.all(codes.map((M) => redis.hget(keys.dossier(M), `ext:${system}`)));
      const open = codes.map((M, i) => (ext[i] ? { MaHoSo: M, externalId: ext[i]! } : { MaHoSo: M }));
      const cursor = (await redis.get(keys.pollCursor(system))) ?? undefined;
      const batch = await adapter.poll({ open, cursor, now: new Date(), log });
      const known = await Promise.all(batch.events.map((e) => sink.knows(e.MaHoSo)));
      const events = batch.events.filter((_e, i) => known[i]);
      const accepted = events.length > 0 ? await sink.accept(events, `poll-${system}-${job.id}`) : [];
      if (batch.rejects.length > 0) {
        const k = keys.pollRejects(system);
        await redis
          .multi()
          .lpush(k, ...batch.rejects.map((r) => JSON.stringify({ at: nowIso(), ...r })))
          .ltrim(k, 0, REJECTS_CAP - 1)
          .exec();
        log.warn(
          { rejects: batch.rejects.length },
          'polled items that cannot be applied were kept for an administrator',
        );
      }
      await batch.commit?.();
      if (batch.nextCursor !== undefined) await redis.set(keys.pollCursor(system), batch.nextCursor);
      const fresh = accepted.filter((a) => a.fresh).length;
      if (fresh > 0) log.info({ open: open.length, events: events.length, fresh }, 'poll brought news');
      return `open ${open.length}, events ${events.length}, fresh ${fresh}, rejects ${batch.rejects.length}`;
    } finally {
      clearInterval(renew);
      await RELEASE_LOCK.run(redis, [lockKey], [token]).catch(() => undefined);
    }
  }
}
