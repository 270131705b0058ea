import { TERMINAL_STATUSES } from '../../domain/dossier-rules.js';
import { fail, type Outcome, type PortalContext } from './context.js';
import type { DossierEntry } from './dossier-store.js';
import { MSG } from './messages.js';
import { isPlainObject, normalizeItem, PROGRESS_ROW_FIELDS } from './record-shape.js';
import type { PortalAccount, ProgressRow } from './types.js';

/**
 * `CapNhatTienDoHoSoMC` (portal.md §5.5): 1..10 progress rows, possibly of different dossiers.
 * All rows are checked first — formats ("2"), then unknown dossiers ("4"), then the terminal rule
 * ("2") as if the rows were applied one after another — and only then appended in array order,
 * each setting the dossier's `TrangThaiHoSo`. Not idempotent: a row sent twice is stored twice.
 *
 * @remarks A dossier of a unit the account may not read counts as unknown ("4"), as for `TraCuuHoSo`.
 */
export function capNhatTienDo(ctx: PortalContext, account: PortalAccount, data: unknown[]): Outcome {
  const rows: ProgressRow[] = [];
  for (const [i, raw] of data.entries()) {
    if (!isPlainObject(raw)) return fail('2', `data[${i}]: ${MSG.itemNotObject}`);
    const row = normalizeItem(raw, PROGRESS_ROW_FIELDS) as Record<string, unknown>;
    const err = ctx.validator.checkRow(row);
    if (err) return fail('2', `data[${i}]${err.path}: ${err.message}`);
    rows.push(row as ProgressRow);
  }

  const entries: DossierEntry[] = [];
  for (const [i, row] of rows.entries()) {
    const entry = ctx.store.get(row.MaHoSo as string);
    if (!entry || !account.units.includes(entry.madonvi))
      return fail('4', MSG.rowNotFound(`data[${i}].MaHoSo`, row.MaHoSo as string));
    entries.push(entry);
  }

  const simulated = new Map<string, string>();
  for (const [i, row] of rows.entries()) {
    const entry = entries[i] as DossierEntry;
    const current = simulated.get(entry.maHoSo) ?? ctx.store.status(entry);
    const next = row.TrangThai as string;
    if (TERMINAL_STATUSES.has(current) && next !== current)
      return fail('2', MSG.terminal(`data[${i}].TrangThai`, entry.maHoSo, current, next));
    simulated.set(entry.maHoSo, next);
  }

  for (const [i, row] of rows.entries()) {
    const entry = entries[i] as DossierEntry;
    entry.progress.push(row);
    entry.record.TrangThaiHoSo = row.TrangThai;
    entry.writes.progressRows += 1;
    ctx.store.noteStatus(entry, 'CapNhatTienDoHoSoMC');
    ctx.counters.progressRows += 1;
  }
  return { error_code: '0', message: MSG.tienDoOk(rows.length), committed: true };
}
