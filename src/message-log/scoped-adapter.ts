import type { PollBatch, PollContext, SystemAdapter } from '../adapters/adapter.js';
import { formatLocal } from '../domain/time.js';
import type { Exchange, ExchangeRecorder } from './exchange.js';
import { withExchangeScope } from './exchange-scope.js';
import { sha256Text } from './message-cipher.js';

/**
 * The chain of a party's answers that concern several dossiers at once (a poll window page, the
 * document inbox, its acknowledgements), one per party and local day: `POLL.<party>.<yyyyMMdd>`.
 * A day's chain stops growing at midnight, so retention removes it whole like any other.
 */
export function sharedChain(party: string, at: Date): string {
  return `POLL.${party}.${formatLocal(at, 'yyyyMMdd')}`;
}

/**
 * The adapter, unchanged, except that each call about a dossier runs in an exchange scope naming
 * the dossier and the purpose, so the transports' one hook records every message it sends.
 *
 * @remarks A Proxy, so every other property (operations, mappings, callback parsers) is the
 * adapter's own. Polls read many dossiers at once: an answer naming one dossier goes to its log
 * (once per different answer); an answer naming no single one (a window page, the inbox) is kept
 * once in the party's shared chain of the day ({@link sharedChain}) and each dossier it brought
 * events for gets an entry with its digests, once per change of those events — so a poll every
 * few seconds neither floods the logs nor copies one page into every dossier's.
 */
export function scopedAdapter(adapter: SystemAdapter, recorder: ExchangeRecorder): SystemAdapter {
  const party = adapter.system;
  const overrides: Partial<SystemAdapter> = {
    deliver: (ctx) =>
      withExchangeScope(
        { recorder, party, purpose: `deliver ${ctx.operation}`, MaHoSo: ctx.record.MaHoSo },
        () => adapter.deliver(ctx),
      ),
    lookup: (ctx) =>
      withExchangeScope(
        { recorder, party, purpose: `lookup ${ctx.operation}`, MaHoSo: ctx.record.MaHoSo },
        () => adapter.lookup(ctx),
      ),
  };
  if (adapter.status) {
    const status = adapter.status.bind(adapter);
    overrides.status = (ctx) =>
      withExchangeScope({ recorder, party, purpose: 'reconciliation', MaHoSo: ctx.MaHoSo }, () =>
        status(ctx),
      );
  }
  if (adapter.poll) {
    const poll = adapter.poll.bind(adapter);
    overrides.poll = async (ctx: PollContext): Promise<PollBatch> => {
      const pending: Exchange[] = [];
      const batch = await withExchangeScope(
        { recorder, party, purpose: 'poll', pending, dedupeReply: true },
        () => poll(ctx),
      );
      const shared = sharedChain(party, new Date());
      const eventsOf = new Map<string, string[]>();
      for (const e of batch.events) eventsOf.set(e.MaHoSo, [...(eventsOf.get(e.MaHoSo) ?? []), e.eventId]);
      for (const ex of pending) {
        await recorder.record(ex, [shared], { dedupeReply: true });
        // Each dossier the answer brought events for gets a reference entry (digests only), once
        // per change of those events: an unchanged dossier read again is not logged again.
        const ref = { ...ex, purpose: `poll (answer kept in ${shared})` };
        for (const [M, ids] of eventsOf)
          await recorder.record(ref, [M], { dedupeValue: sha256Text(ids.sort().join('|')), keepBody: false });
      }
      const commit = batch.commit?.bind(batch);
      if (!commit) return batch;
      return {
        ...batch,
        commit: async () => {
          const acks: Exchange[] = [];
          await withExchangeScope(
            { recorder, party, purpose: 'poll acknowledgement', pending: acks },
            commit,
          );
          for (const ex of acks) await recorder.record(ex, [shared]);
        },
      };
    };
  }
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop))
        return overrides[prop as keyof SystemAdapter];
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
