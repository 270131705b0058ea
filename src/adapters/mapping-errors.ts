import { GatewayError } from '../errors/gateway-error.js';
import { MappingError } from '../mapping/template.js';

/**
 * Runs the mapping of a delivery. A record the mapping cannot convert is rejected here and never
 * sent (`GW_ERR_SYSTEM_REJECTED`, with the mapping path): resending would fail the same way.
 * @param what who speaks, e.g. `land tiepnhan`
 */
export function mapOrReject<T>(what: string, map: () => T): T {
  try {
    return map();
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
    throw new GatewayError('GW_ERR_SYSTEM_REJECTED', {
      message: `${what}: the dossier cannot be mapped: ${err.message}`,
      details: { mapping: err.path },
    });
  }
}

/**
 * The intake's dry run of a mapping (`SystemAdapter.requirements`): no problem, or the one that
 * stops it, worded `cannot be mapped for <system>: …` so intake refuses the record up front.
 * @param failsWith the error a mapping failure comes as (default MappingError)
 */
export function mappingProblems(
  system: string,
  dryRun: () => unknown,
  options: { at?: string; failsWith?: abstract new (...args: never[]) => Error } = {},
): Array<{ path: string; message: string }> {
  try {
    dryRun();
    return [];
  } catch (err) {
    if (!(err instanceof (options.failsWith ?? MappingError))) throw err;
    return [{ path: options.at ?? '/', message: `cannot be mapped for ${system}: ${err.message}` }];
  }
}
