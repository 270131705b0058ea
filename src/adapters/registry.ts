import type { GatewayConfig } from '../config/config.js';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import type { SystemAdapter, CallbackParser } from './adapter.js';
import { LandAdapter } from '../../adapters/land/index.js';

export type AnyAdapter = SystemAdapter & { callbacks?: CallbackParser };

/**
 * The explicit list of adapters (GUIDE.md §4): an adapter is built only for a system present and
 * enabled in the config, and a system the routing table needs but the config lacks stops the
 * start (checked by the caller).
 */
export function buildAdapters(config: GatewayConfig, _log: Logger): Map<SystemId, AnyAdapter> {
  const out = new Map<SystemId, AnyAdapter>();
  const land = config.systems.land;
  if (land && land.enabled) {
    out.set(
      'land',
      new LandAdapter({
        baseUrl: land.baseUrl,
        apiKey: land.apiKey,
        timeoutMs: land.timeoutMs,
        tinhId: land.tinhId,
        callbackSecurityCode: land.callbackSecurityCode,
      }),
    );
  }
  return out;
}
