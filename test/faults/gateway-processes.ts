import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ENV } from '../helpers/stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  /** `api`, `worker-1`, `worker-2`… (a restarted worker keeps its name). */
  name: string;
  child: ChildProcess;
  startedAt: number;
  /** When it said it was running (`workers running`, `HTTP intake listening`). */
  readyAt?: number;
  exitedAt?: number;
}

const READY = /"msg":"(workers running|HTTP intake listening)"/;

/**
 * The gateway's processes as real children (`lienthong api|worker` through tsx, as an operator
 * runs them), every line each one writes captured in a log file of the run so the logs of all
 * processes can be read afterwards (the secrets test greps them).
 */
export class GatewayProcesses {
  readonly all: GatewayProcess[] = [];
  private readonly logs = new Map<string, WriteStream>();
  private closing = false;

  constructor(
    private readonly configFile: string,
    private readonly logDir: string,
  ) {}

  start(mode: 'api' | 'worker', name: string): GatewayProcess {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', mode, '--config', this.configFile],
      {
        cwd: ROOT,
        env: { ...process.env, ...TEST_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = this.logs.get(name);
    if (!log) {
      log = createWriteStream(join(this.logDir, `${name}.log`), { flags: 'a' });
      this.logs.set(name, log);
    }
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const p: GatewayProcess = { name, child, startedAt: Date.now() };
    child.once('exit', () => (p.exitedAt = Date.now()));
    const watch = (chunk: Buffer): void => {
      if (!READY.test(chunk.toString('utf8'))) return;
      p.readyAt = Date.now();
      child.stdout?.off('data', watch);
    };
    child.stdout?.on('data', watch);
    this.all.push(p);
    return p;
  }

  /** Processes of this name that are still running. */
  running(prefix: string): GatewayProcess[] {
    return this.all.filter((p) => p.name.startsWith(prefix) && p.exitedAt === undefined && !p.child.killed);
  }

  /** Running processes of this name that have been ready (started and working) for `forMs` at least. */
  ready(prefix: string, forMs = 0): GatewayProcess[] {
    return this.running(prefix).filter((p) => p.readyAt !== undefined && Date.now() - p.readyAt >= forMs);
  }

  /** Mean time from spawn to ready of the processes of this name, in ms. */
  meanStartMs(prefix: string): number {
    const started = this.all.filter((p) => p.name.startsWith(prefix) && p.readyAt !== undefined);
    return started.length === 0
      ? 0
      : Math.round(started.reduce((n, p) => n + (p.readyAt! - p.startedAt), 0) / started.length);
  }

  /** `kill -9` one process and start it again under the same name; resolves once the new one is spawned. */
  async killAndRestart(p: GatewayProcess, mode: 'worker'): Promise<GatewayProcess> {
    const gone = new Promise((r) => (p.exitedAt !== undefined ? r(null) : p.child.once('exit', r)));
    p.child.kill('SIGKILL');
    await gone;
    if (this.closing) return p;
    return this.start(mode, p.name);
  }

  /** The text every process of the run wrote (stdout and stderr), by log file. */
  logTexts(): Map<string, string> {
    return new Map(
      [...this.logs.keys()].map((name) => [name, readFileSync(join(this.logDir, `${name}.log`), 'utf8')]),
    );
  }

  /** Stops every process (SIGTERM, then SIGKILL after `graceMs`) and flushes the log files. */
  async stopAll(graceMs = 5000): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.all
        .filter((p) => p.exitedAt === undefined)
        .map(async (p) => {
          const gone = new Promise((r) => p.child.once('exit', r));
          p.child.kill('SIGTERM');
          const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
          await gone;
          clearTimeout(t);
        }),
    );
    await Promise.all([...this.logs.values()].map((s) => new Promise((r) => s.end(r))));
  }
}
