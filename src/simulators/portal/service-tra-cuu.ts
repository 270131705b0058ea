import { fail, type Outcome, type PortalContext } from './context.js';
import { MSG } from './messages.js';
import type { PortalAccount } from './types.js';

/**
 * `TraCuuHoSo` (portal.md §5.6): the full record (specialist blocks included) plus
 * `DanhSachTienDo`, every progress row in the order applied. "4" when the dossier does not exist
 * or belongs to a unit the account may not read.
 */
export function traCuuHoSo(ctx: PortalContext, account: PortalAccount, mahoso: unknown): Outcome {
  if (typeof mahoso !== 'string' || mahoso === '') return fail('2', MSG.mahosoRequired);
  ctx.counters.lookups += 1;
  const entry = ctx.store.get(mahoso);
  if (!entry || !account.units.includes(entry.madonvi)) return fail('4', MSG.notFound(mahoso));
  const result = structuredClone({ ...entry.record, DanhSachTienDo: entry.progress });
  return { error_code: '0', message: MSG.traCuuOk, extra: { result } };
}
