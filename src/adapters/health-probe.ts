import type { AdapterHealth } from './adapter.js';

/**
 * An adapter's health is one real, harmless call to its system that succeeds end to end (token,
 * network, the system's answer); a failure is reported with its message, never thrown.
 */
export async function probeHealth(call: () => Promise<unknown>): Promise<AdapterHealth> {
  try {
    await call();
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}
