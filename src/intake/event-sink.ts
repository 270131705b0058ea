import type { InboundSink } from '../adapters/adapter.js';
import type { SystemEvent } from '../domain/system-event.js';
import type { Queues } from '../delivery/queues.js';
import type { Logger } from '../logging/logger.js';
import type { DossierStore } from '../store/dossier-store.js';
import type { EventInbox } from '../store/event-inbox.js';

/**
 * The engine's side of every inbound channel (callbacks, pushes, polls): store the event once,
 * then ask the portal sync to look at the dossier after the reorder window.
 *
 * @remarks A duplicate still triggers a sync when the inbox holds events: that repairs the case
 * where the process died between storing an event and enqueuing its sync, because the sender
 * retries (it got no 2xx) and the retry lands here. Facts (an identity number assigned by one
 * system that another needs) are written at once and wake the dossier's waiting deliveries.
 */
export class EventSink implements InboundSink {
  constructor(
    private readonly deps: {
      store: DossierStore;
      inbox: EventInbox;
      queues: Queues;
      reorderWindowMs: number;
      /** One line per event received, with the request that brought it and the dossier's intake request. */
      log?: Logger;
    },
  ) {}

  knows(maHoSo: string): Promise<boolean> {
    return this.deps.store.exists(maHoSo);
  }

  async accept(
    events: SystemEvent[],
    requestId?: string,
  ): Promise<Array<{ eventId: string; fresh: boolean }>> {
    const { store, inbox, queues } = this.deps;
    const out: Array<{ eventId: string; fresh: boolean }> = [];
    const touched = new Set<string>();
    for (const e of events) {
      const fresh = await inbox.accept(e);
      out.push({ eventId: e.eventId, fresh });
      await this.logReceived(e, fresh, requestId);
      if (e.facts && Object.keys(e.facts).length > 0) {
        await store.redis.hset(
          store.keys.dossier(e.MaHoSo),
          Object.fromEntries(Object.entries(e.facts).map(([k, v]) => [`fact:${k}`, v])),
        );
        const d = await store.get(e.MaHoSo);
        if (d) {
          const heads = await store.chainHeads(e.MaHoSo, d.route);
          await Promise.all(
            heads.map((h) =>
              queues.kickDelivery(
                { ...h, MaHoSo: e.MaHoSo, ...(requestId ? { requestId } : {}) },
                { wake: true },
              ),
            ),
          );
        }
      }
      touched.add(e.MaHoSo);
    }
    for (const m of touched) {
      const pending = fresh(out) || (await store.redis.zcard(store.keys.inbox(m))) > 0;
      if (pending) await queues.kickSync(m, this.deps.reorderWindowMs, requestId);
    }
    return out;
  }

  /**
   * Ties the event to the portal push the dossier last came with (`intakeRequestId`, kept on the
   * dossier), so one id leads from the portal's request through the callbacks it caused.
   */
  private async logReceived(e: SystemEvent, fresh: boolean, requestId: string | undefined): Promise<void> {
    const log = this.deps.log;
    // A repeat is routine (senders retry, pollers re-read open dossiers): logged at debug only.
    const level = fresh ? 'info' : 'debug';
    if (!log?.isLevelEnabled(level)) return;
    const { store } = this.deps;
    const intakeRequestId = await store.redis
      .hget(store.keys.dossier(e.MaHoSo), 'intakeRequestId')
      .catch(() => null);
    log[level](
      {
        requestId: requestId ?? null,
        intakeRequestId,
        MaHoSo: e.MaHoSo,
        system: e.system,
        eventId: e.eventId,
        kind: e.kind,
        fresh,
      },
      fresh ? 'system event received' : 'system event already received',
    );
  }
}

function fresh(list: Array<{ fresh: boolean }>): boolean {
  return list.some((x) => x.fresh);
}
