import type { SystemId } from '../domain/system-event.js';

/**
 * Every Redis key the gateway writes, in one place.
 *
 * @remarks Keys of one dossier share the hash tag `{MaHoSo}` so a Redis Cluster keeps them on one
 * slot and MULTI/Lua over them stays legal.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  private d(maHoSo: string): string {
    return `${this.prefix}:d:{${maHoSo}}`;
  }
  /** Hash: the dossier's merged record, status, route, flags. */
  dossier(maHoSo: string): string {
    return this.d(maHoSo);
  }
  /** Set: SHA-256 of every feed body accepted for the dossier (idempotent intake, also days later). */
  digests(maHoSo: string): string {
    return `${this.d(maHoSo)}:digests`;
  }
  /** List: the dossier's timeline (JSON events). */
  timeline(maHoSo: string): string {
    return `${this.d(maHoSo)}:timeline`;
  }
  /** List: rejected feed versions with their violations, newest first, capped. */
  rejected(maHoSo: string): string {
    return `${this.d(maHoSo)}:rejected`;
  }
  /** Sorted set: ids of the dossier's deliveries, by creation order. */
  deliveries(maHoSo: string): string {
    return `${this.d(maHoSo)}:deliveries`;
  }
  /** Hash: one delivery and its ledger fields. */
  delivery(deliveryId: string, maHoSo: string): string {
    return `${this.d(maHoSo)}:dl:${deliveryId}`;
  }
  /** List: attempts of one delivery (JSON). */
  attempts(deliveryId: string, maHoSo: string): string {
    return `${this.d(maHoSo)}:dl:${deliveryId}:attempts`;
  }
  /** List: delivery ids of one dossier and system still to deliver, in order; the head is current. */
  chain(maHoSo: string, system: SystemId): string {
    return `${this.d(maHoSo)}:chain:${system}`;
  }
  /** Sorted set: system events received but not yet applied (reorder window), scored by occurrence. */
  inbox(maHoSo: string): string {
    return `${this.d(maHoSo)}:inbox`;
  }
  /** List: portal operations (record syncs, progress rows) to send, in order. */
  outbox(maHoSo: string): string {
    return `${this.d(maHoSo)}:outbox`;
  }
  /** List: portal operations the portal refused ("2"), kept for an administrator. */
  outboxFailed(maHoSo: string): string {
    return `${this.d(maHoSo)}:outbox:failed`;
  }
  /** String with TTL: an event id already received from a system. */
  seenEvent(system: SystemId, eventId: string, maHoSo: string): string {
    return `${this.d(maHoSo)}:seen:${system}:${eventId}`;
  }
  /** String with TTL: serialises intake of one dossier's versions. */
  intakeLock(maHoSo: string): string {
    return `${this.d(maHoSo)}:lock:intake`;
  }
  /** String with TTL: the per-dossier portal sync lock. */
  syncLock(maHoSo: string): string {
    return `${this.d(maHoSo)}:lock:sync`;
  }
  /** String with TTL: the per-dossier-and-system delivery lock. */
  deliveryLock(maHoSo: string, system: SystemId): string {
    return `${this.d(maHoSo)}:lock:dl:${system}`;
  }
  /** Set: dossiers with events or portal operations pending (the sweeper's work list). */
  pendingSync(): string {
    return `${this.prefix}:idx:sync-pending`;
  }
  /** Set: `MaHoSo|system` pairs whose delivery chain is not empty. */
  pendingChains(): string {
    return `${this.prefix}:idx:chains`;
  }
  /** Sorted set per delivery state: delivery ids by the time they entered that state (admin listings). */
  deliveriesInState(state: string): string {
    return `${this.prefix}:idx:dl:${state}`;
  }
  /** Sorted set: open dossiers by the time their deadline is to be checked next (ms). */
  deadlines(): string {
    return `${this.prefix}:idx:deadlines`;
  }
  /** Sorted set: every dossier by its NgayTiepNhan (reception at the desk), for reports over a period. */
  receivedAt(): string {
    return `${this.prefix}:idx:received`;
  }
  /** Set: dossiers marked overdue and not finished since (the overdue gauge, the dashboard). */
  overdue(): string {
    return `${this.prefix}:idx:overdue`;
  }
  /** Sorted set: every dossier by reception time. */
  allDossiers(): string {
    return `${this.prefix}:idx:dossiers`;
  }
  /** Set: dossiers a system still has to report on (what the pollers ask about). */
  openDossiers(system: SystemId): string {
    return `${this.prefix}:idx:open:${system}`;
  }
  /** String: where a system's poller stopped reading (its cursor). */
  pollCursor(system: SystemId): string {
    return `${this.prefix}:poll:${system}:cursor`;
  }
  /** List: polled items that could not be parsed, kept for an administrator. */
  pollRejects(system: SystemId): string {
    return `${this.prefix}:poll:${system}:rejects`;
  }
  /** String: the per-system poll lock. */
  pollLock(system: SystemId): string {
    return `${this.prefix}:poll:${system}:lock`;
  }
  /** String: the portal session shared by the workers. */
  portalSession(): string {
    return `${this.prefix}:portal:session`;
  }
  /** String: the last payload an adapter sent for a delivery (JSON, see delivery/payload-record.ts). */
  deliveryPayload(deliveryId: string, maHoSo: string): string {
    return `${this.d(maHoSo)}:dl:${deliveryId}:payload`;
  }
  /** Sorted set: dossiers with portal operations the portal refused (outbox:failed), by last failure. */
  failedSyncs(): string {
    return `${this.prefix}:idx:sync-failed`;
  }
  /** Stream: the administrators' audit log (append-only through the API). */
  audit(): string {
    return `${this.prefix}:admin:audit`;
  }
  /** Hash: system → why and by whom its delivery queue is paused (JSON). */
  pausedSystems(): string {
    return `${this.prefix}:admin:paused`;
  }
  /** Hash: system → breaker state forced by an administrator ('open' | 'closed'). */
  forcedBreakers(): string {
    return `${this.prefix}:admin:breaker:forced`;
  }
  /** Hash: worker process → its breakers' observed states (JSON with a timestamp). */
  observedBreakers(): string {
    return `${this.prefix}:admin:breaker:observed`;
  }
  /** Hash: system → `<untilMs>|<worker process>`, a breaker one worker opened, for the others to respect. */
  sharedBreakers(): string {
    return `${this.prefix}:breaker:open`;
  }
  /** Pub/sub channel (not a key): a worker's breaker opened or closed (JSON), see shared-breaker-state.ts. */
  breakerChannel(): string {
    return `${this.prefix}:breaker:events`;
  }
  /** Hash: one bulk replay run and its progress. */
  replayRun(runId: string): string {
    return `${this.prefix}:admin:replay:${runId}`;
  }
}
