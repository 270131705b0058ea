import { AdminHttpError, type AdminClient } from './admin-client.js';
import { flagInt, flagString, UsageError, type ParsedArgs } from './args.js';
import { ProgressBar, type TextSink } from './progress-bar.js';
import { renderTable, type Column } from './table.js';

export interface CliIo {
  out: TextSink;
  err: TextSink;
  /** Whether `err` is a terminal (the progress bar redraws in place). */
  tty: boolean;
  /** How long to wait between progress polls of a bulk replay. */
  pollMs: number;
}

interface DeliveryRow {
  id: string;
  MaHoSo: string;
  system: string;
  operation: string;
  state: string;
  since: string;
  attempts: number;
  externalId: string | null;
  lastError: { code: string; message: string } | null;
}

interface ReplayRun {
  id: string;
  state: 'running' | 'finished' | 'interrupted';
  total: number;
  done: number;
  replayed: number;
  skipped: number;
  errors: number;
  problems: Array<{ id: string; why: string }>;
}

const short = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').slice(0, 19) : '-');

const DELIVERY_COLUMNS: ReadonlyArray<Column<DeliveryRow>> = [
  { title: 'MaHoSo', value: (r) => r.MaHoSo },
  { title: 'SYSTEM', value: (r) => r.system },
  { title: 'OPERATION', value: (r) => r.operation, max: 30 },
  { title: 'STATE', value: (r) => r.state },
  { title: 'SINCE', value: (r) => short(r.since) },
  { title: 'TRIES', value: (r) => String(r.attempts) },
  {
    title: 'LAST ERROR',
    value: (r) => (r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : '-'),
    max: 70,
  },
];

/** The delivery filters shared by `failed` and `replay`, from the command line. */
export function filterFrom(args: ParsedArgs): Record<string, string> {
  const f: Record<string, string> = {};
  const map: Array<[string, string]> = [
    ['state', 'state'],
    ['system', 'system'],
    ['operation', 'operation'],
    ['dossier', 'MaHoSo'],
    ['code', 'code'],
    ['from', 'from'],
    ['to', 'to'],
  ];
  for (const [flag, key] of map) {
    const v = flagString(args, flag);
    if (v !== undefined) f[key] = v;
  }
  return f;
}

function reasonOf(args: ParsedArgs): string {
  const r = flagString(args, 'reason');
  if (!r || r.trim().length < 3) throw new UsageError('--reason "<why>" is required (kept in the audit log)');
  return r;
}

export async function statusCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const M = args.positional[0];
  if (!M) throw new UsageError('usage: lienthong status <MaHoSo>');
  const d = await c.get<{
    MaHoSo: string;
    accepted: boolean;
    TrangThaiHoSo: string | null;
    TenTrangThai?: string;
    NgayHenTra: string | null;
    receivedAt?: string;
    updatedAt?: string;
    systems: Record<
      string,
      {
        externalId: string | null;
        status: string | null;
        deliveries: Array<DeliveryRow & { updatedAt: string }>;
      }
    >;
    portalSync?: { pending: number; failed: unknown[] };
    timeline: Array<{ at: string; type: string; system?: string; detail: string }>;
    rejectedVersions: unknown[];
  }>(`/v1/dossiers/${encodeURIComponent(M)}`);
  const lines = [
    `Dossier ${d.MaHoSo}: ${d.accepted ? `status ${d.TrangThaiHoSo} (${d.TenTrangThai ?? ''})` : 'not accepted (only rejected versions)'}`,
    `  appointment ${d.NgayHenTra ?? '-'}   received ${short(d.receivedAt)}   updated ${short(d.updatedAt)}`,
  ];
  if (d.portalSync)
    lines.push(
      `  portal sync: ${d.portalSync.pending} pending, ${d.portalSync.failed.length} refused by the portal`,
    );
  if (d.rejectedVersions.length > 0) lines.push(`  ${d.rejectedVersions.length} rejected version(s)`);
  const rows = Object.entries(d.systems).flatMap(([system, s]) =>
    s.deliveries.map((x) => ({
      ...x,
      system,
      MaHoSo: d.MaHoSo,
      since: x.updatedAt,
      ext: s.externalId,
      st: s.status,
    })),
  );
  lines.push('');
  lines.push(
    rows.length === 0
      ? '(no deliveries)'
      : renderTable(
          [
            { title: 'SYSTEM', value: (r) => r.system },
            { title: 'OPERATION', value: (r) => r.operation, max: 30 },
            { title: 'STATE', value: (r) => r.state },
            { title: 'TRIES', value: (r) => String(r.attempts) },
            { title: 'EXTERNAL ID', value: (r) => r.externalId ?? r.ext ?? '-' },
            { title: 'SYS STATUS', value: (r) => r.st ?? '-' },
            {
              title: 'LAST ERROR',
              value: (r) => (r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : '-'),
              max: 60,
            },
          ],
          rows,
        ),
  );
  const recent = d.timeline.slice(-10);
  if (recent.length > 0) {
    lines.push('', 'Recent timeline:');
    lines.push(
      renderTable(
        [
          { title: 'AT', value: (t) => short(t.at) },
          { title: 'TYPE', value: (t) => t.type },
          { title: 'SYSTEM', value: (t) => t.system ?? '-' },
          { title: 'DETAIL', value: (t) => t.detail, max: 90 },
        ],
        recent,
      ),
    );
  }
  io.out.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function failedCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const filter = filterFrom(args);
  const limit = flagInt(args, 'limit') ?? 50;
  const all = args.flags.get('all') === true;
  let cursor = flagString(args, 'cursor');
  const rows: DeliveryRow[] = [];
  for (;;) {
    const page = await c.get<{ items: DeliveryRow[]; nextCursor: string | null }>('/admin/deliveries', {
      ...filter,
      limit,
      cursor,
    });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (!all || !cursor) break;
  }
  if (args.flags.get('json') === true) {
    io.out.write(`${JSON.stringify({ items: rows, nextCursor: cursor ?? null }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) io.out.write('No deliveries match.\n');
  else io.out.write(`${renderTable(DELIVERY_COLUMNS, rows)}\n`);
  io.out.write(`${rows.length} shown${cursor ? `; more with --cursor ${cursor} (or --all)` : ''}\n`);
  return 0;
}

export async function replayCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const dryRun = args.flags.get('dry-run') === true;
  const single = args.positional[0];
  if (single) {
    if (dryRun) {
      const d = await c.get<{
        state: string;
        replayable: boolean;
        lastError: { code: string; message: string } | null;
      }>(`/admin/deliveries/${encodeURIComponent(single)}`);
      io.out.write(
        `Dry run: ${single} is ${d.state}; ${d.replayable ? 'it would be replayed' : 'it cannot be replayed'}\n`,
      );
      return 0;
    }
    const out = await c.post<{ outcome: string; job: string }>(
      `/admin/deliveries/${encodeURIComponent(single)}/replay`,
      { reason: reasonOf(args) },
    );
    io.out.write(`${single}: ${out.outcome} (${out.job})\n`);
    return 0;
  }
  const filter = filterFrom(args);
  if (dryRun) {
    const r = await c.post<{ count: number; dossiers: number; sample: DeliveryRow[]; truncated: boolean }>(
      '/admin/replays',
      { filter, dryRun: true },
    );
    io.out.write(
      `Dry run: ${r.count} deliveries of ${r.dossiers} dossier(s) would be replayed. Nothing was changed.\n`,
    );
    if (r.sample.length > 0) io.out.write(`${renderTable(DELIVERY_COLUMNS, r.sample)}\n`);
    return 0;
  }
  const rate = flagInt(args, 'rate');
  const run = await c.post<ReplayRun>('/admin/replays', {
    filter,
    reason: reasonOf(args),
    ...(rate ? { ratePerSecond: rate } : {}),
  });
  io.err.write(`Replay ${run.id}: ${run.total} deliveries\n`);
  const bar = new ProgressBar(io.err, io.tty);
  let cur = run;
  for (;;) {
    bar.update(cur.done, cur.total, `replayed ${cur.replayed}, skipped ${cur.skipped}, errors ${cur.errors}`);
    if (cur.state !== 'running') break;
    await new Promise((r) => setTimeout(r, io.pollMs));
    cur = await c.get<ReplayRun>(`/admin/replays/${cur.id}`);
  }
  bar.finish();
  io.out.write(
    `Replay ${cur.id} ${cur.state}: ${cur.replayed} replayed, ${cur.skipped} skipped, ${cur.errors} errors (of ${cur.total})\n`,
  );
  for (const p of cur.problems.slice(0, 20)) io.out.write(`  ${p.id}: ${p.why}\n`);
  return cur.state === 'finished' && cur.errors === 0 ? 0 : 1;
}

export async function resolveCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const id = args.positional[0];
  if (!id)
    throw new UsageError('usage: lienthong resolve <deliveryId> --reason "<why>" [--external-id <id>]');
  const ext = flagString(args, 'external-id');
  const out = await c.post<{ next: string | null }>(`/admin/deliveries/${encodeURIComponent(id)}/resolve`, {
    reason: reasonOf(args),
    ...(ext ? { externalId: ext } : {}),
  });
  io.out.write(`${id}: resolved by hand${out.next ? `; next in line: ${out.next}` : ''}\n`);
  return 0;
}

export async function pauseCommand(
  c: AdminClient,
  args: ParsedArgs,
  io: CliIo,
  what: 'pause' | 'resume',
): Promise<number> {
  const system = args.positional[0];
  if (!system) throw new UsageError(`usage: lienthong ${what} <system> --reason "<why>"`);
  const v = await c.post<{ paused: unknown; queue: Record<string, number> }>(
    `/admin/systems/${encodeURIComponent(system)}/${what}`,
    { reason: reasonOf(args) },
  );
  io.out.write(
    `${system}: ${v.paused ? 'paused (jobs wait, nothing is attempted)' : 'running'}; ${v.queue.depth ?? 0} waiting, ${v.queue.delayed ?? 0} delayed\n`,
  );
  return 0;
}

export async function breakerCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const [system, state] = args.positional;
  if (!system || !state || !['open', 'closed', 'auto'].includes(state))
    throw new UsageError('usage: lienthong breaker <system> open|closed|auto --reason "<why>"');
  await c.post(`/admin/systems/${encodeURIComponent(system)}/breaker`, { state, reason: reasonOf(args) });
  io.out.write(`${system}: breaker ${state === 'auto' ? 'back to automatic' : `forced ${state}`}\n`);
  return 0;
}

interface SystemView {
  system: string;
  paused: boolean | { since: string; by: string; reason: string };
  queue: Record<string, number>;
  oldestWaiting: { since: string; ageMs: number } | null;
  breaker: { forced: string | null; observed: Array<{ state: string }> };
}

export async function systemsCommand(c: AdminClient, _args: ParsedArgs, io: CliIo): Promise<number> {
  const { systems } = await c.get<{ systems: SystemView[] }>('/admin/systems');
  const age = (ms: number): string =>
    ms < 60_000
      ? `${Math.round(ms / 1000)}s`
      : ms < 3_600_000
        ? `${Math.round(ms / 60_000)}m`
        : `${(ms / 3_600_000).toFixed(1)}h`;
  io.out.write(
    `${renderTable<SystemView>(
      [
        { title: 'SYSTEM', value: (s) => s.system },
        {
          title: 'PAUSED',
          value: (s) => (s.paused === false ? 'no' : s.paused === true ? 'yes' : `yes (${s.paused.by})`),
        },
        { title: 'WAITING', value: (s) => String(s.queue.depth ?? 0) },
        { title: 'DELAYED', value: (s) => String(s.queue.delayed ?? 0) },
        { title: 'ACTIVE', value: (s) => String(s.queue.active ?? 0) },
        { title: 'FAILED JOBS', value: (s) => String(s.queue.failed ?? 0) },
        { title: 'OLDEST WAITING', value: (s) => (s.oldestWaiting ? age(s.oldestWaiting.ageMs) : '-') },
        {
          title: 'BREAKER',
          value: (s) =>
            s.breaker.forced
              ? `forced ${s.breaker.forced}`
              : [...new Set(s.breaker.observed.map((o) => o.state))].join(',') || 'no worker',
        },
      ],
      systems,
    )}\n`,
  );
  return 0;
}

export async function auditCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const page = await c.get<{
    items: Array<{
      at: string;
      actor: string;
      action: string;
      target: string;
      dossierCount: number;
      reason: string;
    }>;
    nextCursor: string | null;
  }>('/admin/audit', {
    limit: flagInt(args, 'limit') ?? 20,
    action: flagString(args, 'action'),
    MaHoSo: flagString(args, 'dossier'),
    cursor: flagString(args, 'cursor'),
  });
  io.out.write(
    `${renderTable(
      [
        { title: 'AT', value: (e) => short(e.at) },
        { title: 'WHO', value: (e) => e.actor },
        { title: 'ACTION', value: (e) => e.action },
        { title: 'TARGET', value: (e) => e.target, max: 50 },
        { title: 'DOSSIERS', value: (e) => String(e.dossierCount) },
        { title: 'REASON', value: (e) => e.reason, max: 60 },
      ],
      page.items,
    )}\n`,
  );
  if (page.nextCursor) io.out.write(`more with --cursor ${page.nextCursor}\n`);
  return 0;
}

export async function syncsCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const M = flagString(args, 'dossier');
  const { items } = await c.get<{
    items: Array<{ MaHoSo: string; since: string; operations: Array<{ kind: string; reason: string }> }>;
  }>('/admin/syncs/failed', { MaHoSo: M });
  if (items.length === 0) io.out.write('No portal sync was refused.\n');
  else
    io.out.write(
      `${renderTable(
        [
          { title: 'MaHoSo', value: (s) => s.MaHoSo },
          { title: 'SINCE', value: (s) => short(s.since) },
          { title: 'OPERATIONS', value: (s) => String(s.operations.length) },
          {
            title: 'LAST REASON',
            value: (s) => s.operations[s.operations.length - 1]?.reason ?? '-',
            max: 80,
          },
        ],
        items,
      )}\n`,
    );
  return 0;
}

export async function replaySyncsCommand(c: AdminClient, args: ParsedArgs, io: CliIo): Promise<number> {
  const dryRun = args.flags.get('dry-run') === true;
  const M = flagString(args, 'dossier');
  const out = await c.post<{ dossiers: number; operations: number }>('/admin/syncs/replay', {
    ...(M ? { MaHoSo: M.split(',') } : {}),
    dryRun,
    ...(dryRun ? {} : { reason: reasonOf(args) }),
  });
  io.out.write(
    dryRun
      ? `Dry run: ${out.operations} refused portal operation(s) of ${out.dossiers} dossier(s) would be sent again.\n`
      : `${out.operations} portal operation(s) of ${out.dossiers} dossier(s) are back in their outbox.\n`,
  );
  return 0;
}

/** Exit codes: what a script can tell apart. */
export const EXIT = { ok: 0, failed: 1, usage: 2, denied: 3, notFound: 4, conflict: 5 } as const;

export function exitCodeFor(err: AdminHttpError): number {
  if (err.status === 401 || err.status === 403) return EXIT.denied;
  if (err.status === 404) return EXIT.notFound;
  if (err.status === 409) return EXIT.conflict;
  if (err.status === 400 || err.status === 422) return EXIT.usage;
  return EXIT.failed;
}

export { AdminHttpError };
