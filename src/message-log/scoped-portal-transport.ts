import type { DossierRecord } from '../domain/dossier.js';
import type { ProgressRow } from '../domain/system-event.js';
import {
  PortalTransport,
  type PortalReply,
  type PortalTransportOptions,
} from '../portal/portal-transport.js';
import type { ExchangeRecorder } from './exchange.js';
import { withExchangeScope } from './exchange-scope.js';

export interface PortalHooks {
  /** The message log (null when it is off: calls are then made outside any scope). */
  recorder: ExchangeRecorder | null;
  /** Told of the progress rows the portal accepted ("0"): the gateway's own record of what it sent. */
  progressAccepted?(rows: Array<ProgressRow & { MaHoSo: string }>): Promise<void>;
}

/**
 * The portal transport, with each call about a dossier made in an exchange scope (so the message
 * log records it) and the rows the portal accepted reported to the reconciliation.
 */
export class ScopedPortalTransport extends PortalTransport {
  constructor(
    options: PortalTransportOptions,
    private readonly hooks: PortalHooks,
  ) {
    super(options);
  }

  private scoped<T>(MaHoSo: string | undefined, purpose: string, fn: () => Promise<T>): Promise<T> {
    const recorder = this.hooks.recorder;
    if (!recorder || !MaHoSo) return fn();
    return withExchangeScope({ recorder, party: 'portal', purpose, MaHoSo }, fn);
  }

  override syncRecord(record: DossierRecord, isUpdating: boolean, madonvi: string): Promise<PortalReply> {
    return this.scoped(record.MaHoSo, 'sync record', () => super.syncRecord(record, isUpdating, madonvi));
  }

  override async appendProgress(
    rows: Array<ProgressRow & { MaHoSo: string }>,
    madonvi: string,
  ): Promise<PortalReply> {
    const reply = await this.scoped(rows[0]?.MaHoSo, 'sync progress', () =>
      super.appendProgress(rows, madonvi),
    );
    // Not awaited: the sync goes on at once (the record never throws; it logs its own failure).
    if (reply.error_code === '0') void this.hooks.progressAccepted?.(rows);
    return reply;
  }

  override read(maHoSo: string, madonvi: string): Promise<PortalReply> {
    return this.scoped(maHoSo, 'read', () => super.read(maHoSo, madonvi));
  }

  /** `TraCuuHoSo` for the reconciliation (the same call, logged with its purpose). */
  readForReconciliation(maHoSo: string, madonvi: string): Promise<PortalReply> {
    return this.scoped(maHoSo, 'reconciliation', () => super.read(maHoSo, madonvi));
  }
}
