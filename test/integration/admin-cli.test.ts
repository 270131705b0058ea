import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, VIEWER_TOKEN, withViewer } from '../helpers/admin.js';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Each command is a child process started through tsx (a few seconds each on a loaded machine). */
const CLI_TIMEOUT = 90_000;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let stack: Stack;
let dead: string[] = [];

/** Runs `lienthong <args>` as an operator would on the server: a child process talking HTTP to the gateway. */
function cli(args: string[], token: string | null = OPERATOR_TOKEN): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, LIENTHONG_ADMIN_URL: stack.gatewayUrl };
  delete env.LIENTHONG_ADMIN_TOKEN;
  if (token) env.LIENTHONG_ADMIN_TOKEN = token;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  stack = await startStack({
    name: 'admin-cli',
    patch: (raw) => {
      withViewer(raw);
      const land = (raw.systems as Record<string, Record<string, unknown>>).land!;
      land.retry = { attempts: 1, backoffMs: 10, maxBackoffMs: 10 };
    },
  });
  stack.land.setFaults({ down: true });
  dead = [nextCode('CLI'), nextCode('CLI')];
  for (const M of dead) {
    stack.portal.seed(landDossier(M));
    await stack.portal.push(M);
  }
  await waitFor('dead', async () =>
    (await Promise.all(dead.map((M) => stack.gateway!.store.deliveries(M))))
      .flat()
      .every((d) => d.state === 'dead'),
  );
});
afterAll(async () => {
  await stack?.close();
});

describe('the lienthong CLI against a running gateway', () => {
  it(
    'When an operator asks for a dossier and for what failed, then readable tables come back (exit 0), and an unknown dossier exits 4',
    async () => {
      const [status, failed, unknown] = await Promise.all([
        cli(['status', dead[0]!]),
        cli(['failed', '--system', 'land']),
        cli(['status', 'H40.22-NO-SUCH-1']),
      ]);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`Dossier ${dead[0]}`);
      expect(status.stdout).toMatch(/SYSTEM\s+OPERATION\s+STATE/);
      expect(status.stdout).toMatch(/land\s+tiepnhan\s+dead/);
      expect(status.stdout).toContain('GW_ERR_SYSTEM_UNAVAILABLE');
      expect(failed.code).toBe(0);
      expect(failed.stdout).toMatch(/MaHoSo\s+SYSTEM\s+OPERATION\s+STATE\s+SINCE/);
      for (const M of dead)
        expect(failed.stdout).toMatch(new RegExp(`${M.replace(/\./g, '\\.')}\\s+land\\s+tiepnhan\\s+dead`));
      expect(failed.stdout).toContain('2 shown');
      expect(unknown.code).toBe(4);
      expect(unknown.stderr).toContain('GW_ERR_DOSSIER_NOT_FOUND');
    },
    CLI_TIMEOUT,
  );

  it(
    'When the CLI is used without a token, by a viewer for a mutation, or without a reason, then it exits 2, 3 and 2',
    async () => {
      const [noToken, viewer, noReason] = await Promise.all([
        cli(['failed'], null),
        cli(['pause', 'land', '--reason', 'maintenance'], VIEWER_TOKEN),
        cli(['replay', '--system', 'land']),
      ]);
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toContain('LIENTHONG_ADMIN_TOKEN');
      expect(viewer.code).toBe(3);
      expect(viewer.stderr).toContain('GW_ERR_AUTH_FORBIDDEN');
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toContain('--reason');
      expect(await stack.gateway!.queues.delivery.get('land')!.isPaused()).toBe(false);
    },
    CLI_TIMEOUT,
  );

  it(
    'When an operator pauses and resumes a system, then the systems table shows it and the audit log has both',
    async () => {
      const pause = await cli(['pause', 'land', '--reason', 'land maintenance']);
      expect(pause.code).toBe(0);
      expect(pause.stdout).toContain('land: paused');
      const systems = await cli(['systems']);
      expect(systems.stdout).toMatch(/SYSTEM\s+PAUSED\s+WAITING/);
      expect(systems.stdout).toMatch(/land\s+yes \(ops\)/);
      const resume = await cli(['resume', 'land', '--reason', 'maintenance over']);
      expect(resume.code).toBe(0);
      expect(resume.stdout).toContain('land: running');
      const audit = await cli(['audit', '--limit', '5'], VIEWER_TOKEN);
      expect(audit.code).toBe(0);
      expect(audit.stdout).toMatch(/ops\s+resume\s+land/);
      expect(audit.stdout).toMatch(/ops\s+pause\s+land/);
    },
    CLI_TIMEOUT,
  );

  it(
    'When the system is back, then a dry run only counts, and the replay shows a progress bar and enters each dossier once',
    async () => {
      const { land, gateway } = stack;
      land.setFaults({ down: false });
      const dry = await cli(['replay', '--system', 'land', '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('Dry run: 2 deliveries of 2 dossier(s) would be replayed');
      expect(dead.map((M) => land.entries(M))).toEqual([0, 0]);
      const real = await cli(['replay', '--system', 'land', '--reason', 'land registry back', '--rate', '5']);
      expect(real.code).toBe(0);
      expect(real.stderr).toMatch(/\[#{30}\] 2\/2 100%/);
      expect(real.stdout).toMatch(/Replay \S+ finished: 2 replayed, 0 skipped, 0 errors \(of 2\)/);
      await waitFor('delivered', async () =>
        (await Promise.all(dead.map((M) => gateway!.store.deliveries(M))))
          .flat()
          .every((d) => d.state === 'delivered'),
      );
      expect(dead.map((M) => land.entries(M))).toEqual([1, 1]);
      const again = await cli(['failed', '--system', 'land']);
      expect(again.stdout).toContain('No deliveries match.');
    },
    CLI_TIMEOUT,
  );
});
