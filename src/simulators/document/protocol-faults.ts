/**
 * Fault switches of the axis itself, beside the shared `FaultInjector` ones. The injector's
 * `rateLimitNext` is answered in the axis' own words (429 `900802`, `Retry-After`).
 */
export interface DocumentFaultSettings {
  /** `setStatuses` batches are placed in the inbox newest first (§5.1 "Order"). */
  reorderStatuses: boolean;
  /** The next N status items are placed twice, with different ids (§5.1 "Repeats"). */
  duplicateStatusNext: number;
  /** Share (0..1) of status items placed twice (seeded). */
  duplicateStatusRate: number;
  /** The next N `POST /token` requests answer 503 (the token endpoint is also taken down by `down`). */
  tokenFailNext: number;
  /** Per-second quota per consumer key; 0 disables. */
  quotaPerSecond: number;
}

export const defaultDocumentFaults = (quotaPerSecond: number): DocumentFaultSettings => ({
  reorderStatuses: false,
  duplicateStatusNext: 0,
  duplicateStatusRate: 0,
  tokenFailNext: 0,
  quotaPerSecond,
});

export const DOCUMENT_FAULT_KEYS: Record<keyof DocumentFaultSettings, 'boolean' | 'number'> = {
  reorderStatuses: 'boolean',
  duplicateStatusNext: 'number',
  duplicateStatusRate: 'number',
  tokenFailNext: 'number',
  quotaPerSecond: 'number',
};
