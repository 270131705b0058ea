import type { EmitterFaults } from '../callback-emitter.js';
import type { FaultInjector, FaultSettings } from '../fault-injector.js';
import { defaultFaults } from '../fault-injector.js';
import type { TaxFaults } from './types.js';
import { SimUsageError } from './usage-error.js';

/**
 * One flat patch over the three fault sets: transport faults (FaultInjector), the tax "busy"
 * switch (MA_LOI 99) and the push faults (CallbackEmitter: reorder, duplicates).
 */
export type TaxFaultPatch = Partial<FaultSettings> & Partial<TaxFaults> & Partial<EmitterFaults>;

export const defaultTaxFaults = (): TaxFaults => ({ busy: false, busyNext: 0 });

const INJECTOR_KEYS = Object.keys(defaultFaults()) as Array<keyof FaultSettings>;
const TAX_KEYS: Array<keyof TaxFaults> = ['busy', 'busyNext'];
const PUSH_KEYS: Array<keyof EmitterFaults> = ['reorder', 'duplicateNext', 'duplicateRate'];
const BOOLEAN_KEYS = new Set<string>(['down', 'busy', 'reorder']);

/** Checks a patch received as JSON; throws SimUsageError on an unknown key or a wrong type. */
export function checkFaultPatch(patch: unknown): TaxFaultPatch {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new SimUsageError('fault patch must be a JSON object');
  }
  const known = new Set<string>([...INJECTOR_KEYS, ...TAX_KEYS, ...PUSH_KEYS]);
  for (const [k, v] of Object.entries(patch)) {
    if (!known.has(k)) throw new SimUsageError(`unknown fault setting ${k}`);
    const want = BOOLEAN_KEYS.has(k) ? 'boolean' : 'number';
    if (typeof v !== want || (want === 'number' && (!Number.isFinite(v) || (v as number) < 0))) {
      throw new SimUsageError(
        `fault setting ${k} must be a ${want === 'number' ? 'non-negative number' : want}`,
      );
    }
  }
  return patch as TaxFaultPatch;
}

function pick<K extends string>(
  patch: Record<string, unknown>,
  keys: readonly K[],
): Partial<Record<K, never>> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (patch[k] !== undefined) out[k] = patch[k];
  return out as Partial<Record<K, never>>;
}

export function applyFaultPatch(
  patch: TaxFaultPatch,
  injector: FaultInjector,
  tax: TaxFaults,
  setPush: (p: Partial<EmitterFaults>) => void,
): void {
  const p = checkFaultPatch(patch) as Record<string, unknown>;
  injector.set(pick(p, INJECTOR_KEYS));
  Object.assign(tax, pick(p, TAX_KEYS));
  setPush(pick(p, PUSH_KEYS));
}
