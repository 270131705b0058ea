import { AdminClient, AdminHttpError } from './admin-client.js';
import { parseArgs, UsageError } from './args.js';
import {
  auditCommand,
  breakerCommand,
  EXIT,
  exitCodeFor,
  failedCommand,
  pauseCommand,
  replayCommand,
  replaySyncsCommand,
  resolveCommand,
  statusCommand,
  syncsCommand,
  systemsCommand,
  type CliIo,
} from './commands.js';
import {
  findingsCommand,
  reconcileCommand,
  resolveFindingCommand,
  verifyLogCommand,
} from './reconciliation-commands.js';

export const ADMIN_USAGE = `Administration (talks to a running gateway over HTTP):
  lienthong status <MaHoSo>                 a dossier: status, deliveries per system, recent timeline
  lienthong failed [filters] [--all] [--json] failed and dead deliveries (or --state …)
  lienthong replay [filters] [--dry-run] --reason "<why>" [--rate <per second>]
  lienthong replay <deliveryId> [--dry-run] --reason "<why>"
  lienthong resolve <deliveryId> --reason "<why>" [--external-id <id in the system>]
  lienthong pause|resume <system> --reason "<why>"
  lienthong breaker <system> open|closed|auto --reason "<why>"
  lienthong systems                         queue depth, oldest waiting job, pause and breaker per system
  lienthong syncs [--dossier <MaHoSo>]      portal syncs the portal refused
  lienthong replay-syncs [--dossier <M,…>] [--dry-run] --reason "<why>"
  lienthong audit [--action <a>] [--dossier <MaHoSo>] [--limit <n>]
  lienthong verify-log <MaHoSo> | --all     check the message log's hash chains; names the first broken link
  lienthong reconcile [--dossier <M,…>] --reason "<why>"   run a reconciliation now and show its figures
  lienthong findings [--state open|repaired|resolved|all] [--system <s>] [--dossier <MaHoSo>]
  lienthong resolve-finding <id> --reason "<why>"          close a finding that needed a person
Filters: --state failed,dead|retrying|waiting|… --system <id> --operation <op> --dossier <MaHoSo>
         --code GW_ERR_… --from <ISO date-time> --to <ISO date-time> --limit <page size>
Environment: LIENTHONG_ADMIN_URL (default http://127.0.0.1:8080), LIENTHONG_ADMIN_TOKEN (required).
Exit codes: 0 done, 1 failed (or a replay with errors), 2 usage or invalid request,
            3 not authorised (401/403), 4 not found, 5 conflict (e.g. not replayable).`;

export const ADMIN_COMMANDS = new Set([
  'status',
  'failed',
  'replay',
  'resolve',
  'pause',
  'resume',
  'breaker',
  'systems',
  'syncs',
  'replay-syncs',
  'audit',
  'verify-log',
  'reconcile',
  'findings',
  'resolve-finding',
]);

const BOOLEAN_FLAGS = new Set(['dry-run', 'all', 'json', 'help']);

/** Runs one admin command; returns the process exit code. */
export async function runAdminCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest, BOOLEAN_FLAGS);
  if (args.flags.get('help') === true || !command || !ADMIN_COMMANDS.has(command)) {
    io.err.write(`${ADMIN_USAGE}\n`);
    return args.flags.get('help') === true ? EXIT.ok : EXIT.usage;
  }
  const token = env.LIENTHONG_ADMIN_TOKEN;
  if (!token) {
    io.err.write('lienthong: set LIENTHONG_ADMIN_TOKEN to an admin token (see operators[] in the config)\n');
    return EXIT.usage;
  }
  const client = new AdminClient(env.LIENTHONG_ADMIN_URL ?? 'http://127.0.0.1:8080', token);
  try {
    switch (command) {
      case 'status':
        return await statusCommand(client, args, io);
      case 'failed':
        return await failedCommand(client, args, io);
      case 'replay':
        return await replayCommand(client, args, io);
      case 'resolve':
        return await resolveCommand(client, args, io);
      case 'pause':
      case 'resume':
        return await pauseCommand(client, args, io, command);
      case 'breaker':
        return await breakerCommand(client, args, io);
      case 'systems':
        return await systemsCommand(client, args, io);
      case 'syncs':
        return await syncsCommand(client, args, io);
      case 'replay-syncs':
        return await replaySyncsCommand(client, args, io);
      case 'verify-log':
        return await verifyLogCommand(client, args, io);
      case 'reconcile':
        return await reconcileCommand(client, args, io);
      case 'findings':
        return await findingsCommand(client, args, io);
      case 'resolve-finding':
        return await resolveFindingCommand(client, args, io);
      default:
        return await auditCommand(client, args, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err.write(`lienthong: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof AdminHttpError) {
      const details = Array.isArray(err.details)
        ? (err.details as Array<{ path?: string; message?: string }>)
            .map((v) => `\n  ${v.path ?? ''} ${v.message ?? ''}`)
            .join('')
        : '';
      io.err.write(`lienthong: ${err.code}: ${err.message}${details}\n`);
      return exitCodeFor(err);
    }
    throw err;
  }
}
