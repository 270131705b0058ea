import type { SystemId } from '../domain/system-event.js';

/**
 * What became of one run of a delivery job: `delivered` or `adopted` (found at the system by the
 * lookup after an unknown outcome), `retry` (failed, will be tried again), `failed` (refused, not
 * retried), `dead` (attempts exhausted) or `postponed` (not attempted, no attempt spent: breaker
 * open, prerequisite missing, the system's 429).
 */
export type DeliveryOutcome = 'delivered' | 'adopted' | 'retry' | 'failed' | 'dead' | 'postponed';

export interface DeliveryObservation {
  system: SystemId;
  operation: string;
  outcome: DeliveryOutcome;
  /** How long the attempt took (lookup and request); absent when nothing was sent. */
  attemptMs?: number;
  /** When the delivery was created (its `createdAt`), for the latency of a finished delivery. */
  createdAt?: string;
}

/**
 * Told of every delivery run's outcome (metrics). Called after the outcome is stored, never in
 * the way of it: an observer must not throw and must not block.
 */
export interface DeliveryObserver {
  deliveryOutcome(o: DeliveryObservation): void;
}
