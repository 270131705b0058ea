import { AsyncLocalStorage } from 'node:async_hooks';
import type { Party } from './chain.js';
import type { Exchange, ExchangeRecorder } from './exchange.js';

/**
 * What the code that makes a call knows and the transport below it does not: which gateway's log
 * to write to, which party is called, for which dossier and why.
 *
 * @remarks Carried in an AsyncLocalStorage, like the correlation ids, so the one hook every
 * transport already installs (`sendCorrelationHeaders`) can record every exchange without any
 * transport's signature changing. A call made outside a scope (a health probe, a token request)
 * is not about a dossier and is not recorded.
 */
export interface ExchangeScope {
  recorder: ExchangeRecorder;
  party: Party;
  purpose: string;
  MaHoSo?: string;
  /**
   * Exchanges that name no single dossier (a poll window, the document inbox) wait here until the
   * caller knows which dossiers they concerned (the events the poll produced).
   */
  pending?: Exchange[];
  /** A repeated read whose answer did not change is not logged again (polls). */
  dedupeReply?: boolean;
}

const storage = new AsyncLocalStorage<ExchangeScope>();

export function withExchangeScope<T>(scope: ExchangeScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentExchangeScope(): ExchangeScope | undefined {
  return storage.getStore();
}
