import { TaxSimulator } from './tax-simulator.js';
import type { TaxSimulatorOptions } from './types.js';

/** Creates the tax authority simulator (tax.md v2.0); call `start()` to listen on 127.0.0.1. */
export function createTaxSimulator(options: TaxSimulatorOptions = {}): TaxSimulator {
  return new TaxSimulator(options);
}

export { TaxSimulator, EXAMPLE_SECURITY_KEY } from './tax-simulator.js';
export type { PushTargets, TaxSimState } from './tax-simulator.js';
export type { TaxFaultPatch } from './fault-patch.js';
export { SimUsageError } from './usage-error.js';
export { buildKq, parseKq, MO_TA } from './kq-envelope.js';
export type { Kq, MaLoi } from './kq-envelope.js';
export type * from './types.js';
export { LOAI_THUE_CODES } from './types.js';
