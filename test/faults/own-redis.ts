import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from '../helpers/wait.js';

/** A free TCP port on loopback (the OS picks it; closed again before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A Redis server of the fault suite's own, on a free port, with the persistence production must
 * use: AOF on, `appendfsync everysec`, `noeviction`. Killing and restarting it disturbs no other
 * test. The AOF lives in a temporary directory that a restart reads back.
 */
export class OwnRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'lienthong-faults-redis-'));
  private proc: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.launch();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the server on the same port and directory (the AOF is loaded back) and waits for PING. */
  async launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ];
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor('own redis answers PING', () => this.ping(), 20_000, 50);
  }

  /** SIGKILL: the process dies between two instructions, as in a crash (see the README on what AOF keeps). */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }

  async ping(): Promise<boolean> {
    const r = this.client();
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  }

  /** A short-lived client that fails fast instead of queueing. */
  client(): Redis {
    const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    r.on('error', () => undefined);
    return r;
  }

  /** `INFO persistence` as a map. */
  async persistence(): Promise<Record<string, string>> {
    const r = this.client();
    try {
      await r.connect();
      const text = await r.info('persistence');
      return Object.fromEntries(
        text
          .split(/\r?\n/)
          .filter((l) => l.includes(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
      );
    } finally {
      r.disconnect();
    }
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
