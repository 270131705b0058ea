import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ENV } from './stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Writes a raw config object to a temporary file for a child process. */
export function writeConfig(raw: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'lienthong-test-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return file;
}

/** Starts `lienthong <mode>` as a real child process (tsx, from source) with the test secrets in its environment. */
export function spawnGateway(mode: 'api' | 'worker' | 'all', configFile: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', mode, '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, ...TEST_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  child.stdout?.resume();
  (child as ChildProcess & { stderrText: () => string }).stderrText = () => err;
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
