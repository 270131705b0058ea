import { checkConsistency, TERMINAL_STATUSES } from '../../domain/dossier-rules.js';
import { fail, type Outcome, type PortalContext } from './context.js';
import { MSG, pointerToPath, ruleReason } from './messages.js';
import { isPlainObject, normalizeRecord, withBlocksOf } from './record-shape.js';
import type { PortalAccount } from './types.js';

/**
 * `DongBoHoSoMC` (portal.md §5.4): create or replace the full record.
 *
 * Checks, in order: field formats (§3) and required lists, R1–R9 (§3.5), then `isUpdating` "False"
 * on an existing record (`"3"`), then the terminal-state rule (§5.7). Specialist blocks in the
 * request are ignored; the blocks the portal holds are kept.
 *
 * @remarks Ambiguity: the spec does not order "3" against the format checks. A real portal
 * validates the body before touching its table, so an invalid record is "2" even when it exists.
 * A record that exists under a unit the account may not write for is "2" on `data[0].MaHoSo`.
 */
export function dongBoHoSo(
  ctx: PortalContext,
  account: PortalAccount,
  madonvi: string,
  isUpdating: 'True' | 'False',
  data: unknown[],
): Outcome {
  const raw = data[0];
  if (!isPlainObject(raw)) return fail('2', `data[0]: ${MSG.itemNotObject}`);
  const candidate = normalizeRecord(raw, 'drop');

  const formatError = ctx.validator.checkRecord(candidate);
  if (formatError) return fail('2', `data[0]${formatError.path}: ${formatError.message}`);
  const rule = checkConsistency(candidate)[0];
  if (rule) return fail('2', `data[0]${pointerToPath(rule.path)}: ${ruleReason(rule)}`);

  const maHoSo = candidate.MaHoSo as string;
  const existing = ctx.store.get(maHoSo);
  if (existing && !account.units.includes(existing.madonvi)) return fail('2', MSG.otherUnit(maHoSo));
  if (existing && isUpdating === 'False') {
    ctx.counters.alreadyExists += 1;
    return fail('3', MSG.exists(maHoSo));
  }
  const next = candidate.TrangThaiHoSo as string;
  if (existing) {
    const current = ctx.store.status(existing);
    if (TERMINAL_STATUSES.has(current) && next !== current)
      return fail('2', MSG.terminal('data[0].TrangThaiHoSo', maHoSo, current, next));
    existing.record = withBlocksOf(candidate, existing.record);
    existing.writes.dongBo += 1;
    ctx.store.noteStatus(existing, 'DongBoHoSoMC');
    ctx.counters.replaced += 1;
  } else {
    const entry = ctx.store.create(
      maHoSo,
      madonvi,
      'integrator',
      withBlocksOf(candidate, undefined),
      'DongBoHoSoMC',
    );
    entry.writes.dongBo += 1;
    ctx.counters.created += 1;
  }
  return { error_code: '0', message: MSG.dongBoOk, committed: true };
}
