import type { SystemId } from './system-event.js';

/**
 * Delivery states as an administrator sees them.
 * - queued: waiting for its turn (or for an earlier operation of the same dossier and system);
 * - delivering: a worker holds it now;
 * - retrying: the last attempt failed with a retryable error; the next is scheduled;
 * - delivered: the system applied it (or a lookup proved it had been applied);
 * - failed: a non-retryable error (the system rejected it); nothing more is tried;
 * - dead: retryable errors until the attempts ran out;
 * - resolved: an administrator marked it as handled outside the gateway (with a reason); it left
 *   its chain so later operations proceed, and it is never attempted again.
 */
export type DeliveryState =
  'queued' | 'delivering' | 'retrying' | 'delivered' | 'failed' | 'dead' | 'resolved';

export interface AttemptRecord {
  at: string;
  attempt: number;
  outcome: 'delivered' | 'adopted' | 'error' | 'postponed';
  durationMs: number;
  error?: { code: string; message: string; outcome?: string };
}

export interface DeliveryView {
  id: string;
  MaHoSo: string;
  system: SystemId;
  operation: string;
  intentKey: string;
  state: DeliveryState;
  attempts: number;
  externalId: string | null;
  lastError: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

export function deliveryId(maHoSo: string, system: SystemId, intentKey: string): string {
  // BullMQ job ids may not contain ':'; MaHoSo is [A-Za-z0-9.-] so '~' separates unambiguously.
  return `${maHoSo}~${system}~${intentKey}`;
}

export function parseDeliveryId(id: string): { MaHoSo: string; system: SystemId; intentKey: string } | null {
  const parts = id.split('~');
  if (parts.length < 3) return null;
  return { MaHoSo: parts[0]!, system: parts[1] as SystemId, intentKey: parts.slice(2).join('~') };
}
