import type { DeliveryState } from '../domain/delivery.js';
import type { SystemId } from '../domain/system-event.js';
import { isErrorCode } from '../errors/error-codes.js';
import type { Violation } from '../schemas.js';
import { DELIVERY_STATES } from '../store/dossier-store.js';
import type { DeliveryFilter } from './delivery-query.js';

/** What an administrator may type for a state; `waiting` is the word for queued. */
const STATE_ALIASES: Record<string, DeliveryState> = { waiting: 'queued' };

function parseTime(v: unknown, path: string, out: Violation[]): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'number' || (typeof v === 'string' && /^[0-9]{1,15}$/.test(v))) return Number(v);
  if (
    typeof v === 'string' &&
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(v)
  ) {
    // A bare date is the start of that day in Vietnam (UTC+7).
    const ms = Date.parse(v.length === 10 ? `${v}T00:00:00+07:00` : v);
    if (Number.isFinite(ms)) return ms;
  }
  out.push({ path, message: 'must be an ISO 8601 date-time with offset (or a date), or ms since the epoch' });
  return undefined;
}

/**
 * Turns the filters of `GET /admin/deliveries` (query) or of a bulk replay (body) into a
 * DeliveryFilter, collecting every problem as a violation (422 with all of them).
 */
export function parseDeliveryFilter(
  input: Record<string, unknown>,
  opts: { systems: readonly SystemId[]; defaultStates: readonly DeliveryState[]; base: string },
): { filter: DeliveryFilter; violations: Violation[] } {
  const v: Violation[] = [];
  const b = opts.base;
  const rawStates = Array.isArray(input.state)
    ? (input.state as unknown[]).map(String)
    : typeof input.state === 'string' && input.state !== ''
      ? input.state.split(',')
      : [];
  const states: DeliveryState[] = [];
  for (const s0 of rawStates) {
    const s = s0.trim();
    if (s === 'all') states.push(...DELIVERY_STATES);
    else if (STATE_ALIASES[s]) states.push(STATE_ALIASES[s]);
    else if ((DELIVERY_STATES as readonly string[]).includes(s)) states.push(s as DeliveryState);
    else
      v.push({
        path: `${b}/state`,
        message: `unknown state ${JSON.stringify(s)}; one of ${[...DELIVERY_STATES, 'waiting', 'all'].join(', ')}`,
      });
  }
  const filter: DeliveryFilter = {
    states: states.length > 0 ? [...new Set(states)] : [...opts.defaultStates],
  };
  const str = (k: string): string | undefined => {
    const x = input[k];
    if (x === undefined || x === '') return undefined;
    if (typeof x !== 'string') {
      v.push({ path: `${b}/${k}`, message: 'must be a string' });
      return undefined;
    }
    return x;
  };
  const system = str('system');
  if (system !== undefined) {
    if (opts.systems.includes(system as SystemId)) filter.system = system as SystemId;
    else
      v.push({
        path: `${b}/system`,
        message: `must be one of the configured systems: ${opts.systems.join(', ')}`,
      });
  }
  const operation = str('operation');
  if (operation !== undefined) filter.operation = operation;
  const M = str('MaHoSo');
  if (M !== undefined) {
    if (/^[A-Za-z0-9.-]{1,50}$/.test(M)) filter.MaHoSo = M;
    else v.push({ path: `${b}/MaHoSo`, message: 'must match ^[A-Za-z0-9.-]{1,50}$' });
  }
  const code = str('code');
  if (code !== undefined) {
    if (isErrorCode(code)) filter.code = code;
    else v.push({ path: `${b}/code`, message: 'is not a known error code (GW_ERR_…)' });
  }
  const from = parseTime(input.from, `${b}/from`, v);
  const to = parseTime(input.to, `${b}/to`, v);
  if (from !== undefined) filter.fromMs = from;
  if (to !== undefined) filter.toMs = to;
  if (from !== undefined && to !== undefined && from > to)
    v.push({ path: `${b}/to`, message: 'must not be before from' });
  return { filter, violations: v };
}
