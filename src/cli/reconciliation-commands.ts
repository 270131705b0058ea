import type { AdminClient } from './admin-client.js';
import { flagInt, flagString, UsageError, type ParsedArgs } from './args.js';
import { EXIT, type CliIo } from './commands.js';
import { renderTable } from './table.js';

interface ChainReport {
  MaHoSo: string;
  ok: boolean;
  entries: number;
  broken?: { seq: number; index: number; reason: string };
  bodyProblems: Array<{ seq: number; reason: string }>;
}

/**
 * `lienthong verify-log <MaHoSo>|--all`: checks the message log's chains (issue 9) and names the
 * first broken link of each chain that does not hold. Exit 0 when every chain holds, 1 otherwise.
 */
export async function verifyLogCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const M = args.positional[0];
  const all = args.flags.get('all') === true;
  if ((M === undefined) === !all) throw new UsageError('usage: lienthong verify-log <MaHoSo> | --all');
  const r = await c.get<{ enabled: boolean; chains: number; ok: boolean; broken: ChainReport[] }>(
    '/admin/message-log/verify',
    { MaHoSo: M },
  );
  if (!r.enabled) {
    io.out.write('The message log is not enabled (messageLog.enabled).\n');
    return EXIT.ok;
  }
  for (const b of r.broken) {
    if (b.broken)
      io.out.write(
        `${b.MaHoSo}: BROKEN at entry ${b.broken.seq} (position ${b.broken.index}): ${b.broken.reason}\n`,
      );
    for (const p of b.bodyProblems) io.out.write(`${b.MaHoSo}: body of entry ${p.seq}: ${p.reason}\n`);
  }
  const what = M ? `the chain of ${M}` : `${r.chains} chain(s)`;
  io.out.write(r.ok ? `OK: ${what} verified, no broken link.\n` : `${r.broken.length} chain(s) broken.\n`);
  return r.ok ? EXIT.ok : EXIT.failed;
}

interface Finding {
  id: string;
  MaHoSo: string;
  party: string;
  kind: string;
  classification: string;
  state: string;
  summary: string;
  lastSeenAt: string;
}

/** `lienthong findings [--state open|repaired|resolved|all] [--system s] [--dossier M]`. */
export async function findingsCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const page = await c.get<{ items: Finding[]; nextCursor: string | null }>(
    '/admin/reconciliation/findings',
    {
      state: flagString(args, 'state'),
      system: flagString(args, 'system'),
      kind: flagString(args, 'kind'),
      MaHoSo: flagString(args, 'dossier'),
      limit: flagInt(args, 'limit'),
    },
  );
  if (page.items.length === 0) {
    io.out.write('No finding matches.\n');
    return EXIT.ok;
  }
  io.out.write(
    `${renderTable<Finding>(
      [
        { title: 'ID', value: (f) => f.id },
        { title: 'MaHoSo', value: (f) => f.MaHoSo },
        { title: 'PARTY', value: (f) => f.party },
        { title: 'KIND', value: (f) => f.kind },
        { title: 'STATE', value: (f) => f.state },
        { title: 'NEEDS', value: (f) => (f.classification === 'repairable' ? 'sync' : 'person') },
        { title: 'SUMMARY', value: (f) => f.summary, max: 80 },
      ],
      page.items,
    )}\n`,
  );
  return EXIT.ok;
}

/** `lienthong resolve-finding <id> --reason "<why>"`. */
export async function resolveFindingCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const id = args.positional[0];
  const reason = flagString(args, 'reason');
  if (!id || !reason || reason.trim().length < 3)
    throw new UsageError('usage: lienthong resolve-finding <id> --reason "<why>"');
  const f = await c.post<Finding>(`/admin/reconciliation/findings/${encodeURIComponent(id)}/resolve`, {
    reason,
  });
  io.out.write(`${f.id} (${f.MaHoSo}, ${f.kind}): resolved by hand\n`);
  return EXIT.ok;
}

interface Run {
  id: string;
  state: string;
  checked: number;
  skipped: number;
  agreed: number;
  findings: number;
  repaired: number;
  open: number;
  error: string | null;
}

/** `lienthong reconcile [--dossier M,…] --reason "<why>"`: starts a run and waits for its figures. */
export async function reconcileCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const reason = flagString(args, 'reason');
  if (!reason || reason.trim().length < 3)
    throw new UsageError('usage: lienthong reconcile [--dossier <M,…>] --reason "<why>"');
  const M = flagString(args, 'dossier');
  let run = await c.post<Run>('/admin/reconciliations', { reason, ...(M ? { MaHoSo: M.split(',') } : {}) });
  io.err.write(`Reconciliation ${run.id} queued\n`);
  for (let i = 0; run.state === 'queued' || run.state === 'running'; i += 1) {
    if (i > 3600) break;
    await new Promise((r) => setTimeout(r, io.pollMs));
    const { items } = await c.get<{ items: Run[] }>('/admin/reconciliations', { limit: 50 });
    run = items.find((x) => x.id === run.id) ?? run;
  }
  io.out.write(
    `Reconciliation ${run.id} ${run.state}: ${run.checked} checked, ${run.agreed} in agreement, ${run.findings} finding(s), ${run.repaired} repaired, ${run.open} open for a person, ${run.skipped} left for later\n`,
  );
  return run.state === 'finished' ? EXIT.ok : EXIT.failed;
}
