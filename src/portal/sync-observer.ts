/**
 * Told when the portal has acknowledged everything a dossier's events implied (metrics).
 *
 * @remarks The lag runs from when the gateway *received* the oldest of those events (its arrival,
 * not the system's `occurredAt`: vendors' clocks and a poller's interval would otherwise show up
 * as the gateway's lag) to the portal's answer that emptied the dossier's outbox.
 */
export interface SyncObserver {
  portalSynced(o: { lagMs: number }): void;
}
