import type { DossierChange, PlannedOperation } from './adapter.js';

/** Portal statuses that, seen first, mean the dossier will never be handled (refused, withdrawn, stopped). */
export const TERMINAL_AT_FIRST_SIGHT: ReadonlySet<string> = new Set(['3', '7', '8']);

/**
 * True when the gateway's first sight of a dossier is already refused, withdrawn or stopped: it
 * never reaches the system, so nothing is planned for it. A dossier that reaches such a status
 * later keeps the deliveries it has.
 */
export function firstSeenTerminal({ previous, current }: DossierChange): boolean {
  return previous === null && TERMINAL_AT_FIRST_SIGHT.has(current.TrangThaiHoSo);
}

/**
 * One delivery per dossier, named by intent (the operation itself), so a redelivered or later
 * version maps onto the same delivery; none for a dossier first seen terminal.
 */
export function onePerDossier(change: DossierChange, operation: string): PlannedOperation[] {
  return firstSeenTerminal(change) ? [] : [{ operation, intentKey: operation }];
}
