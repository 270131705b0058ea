import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** True when nothing listens on 127.0.0.1:port. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * Free ports for Redis nodes. A cluster node also listens on port + 10000 (the cluster bus), so both
 * must be free; ports are drawn from 20000–29999 so that stays below 65536.
 */
export async function freeRedisPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = 20000 + Math.floor(Math.random() * 10000);
    if (out.includes(p)) continue;
    if ((await portFree(p)) && (await portFree(p + 10000))) out.push(p);
  }
  return out;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

function startServer(dir: string, args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  return child;
}

async function stopAll(children: ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 3000).unref();
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}

const COMMON = [
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--maxmemory-policy',
  'noeviction',
];

export interface LocalRedisCluster {
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` masters (no replicas) from Debian's `redis-server`, on free
 * loopback ports, in a temporary folder; `stop()` kills it and removes the folder.
 */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lienthong-cluster-'));
  const ports = await freeRedisPorts(masters);
  const children = ports.map((p) =>
    startServer(dir, [
      '--port',
      String(p),
      ...COMMON,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${p}.conf`,
      '--cluster-node-timeout',
      '5000',
      '--dir',
      dir,
    ]),
  );
  const stop = (): Promise<void> => stopAll(children, dir);
  try {
    for (const p of ports)
      await waitFor(`redis ${p} up`, async () => (await cli(p, 'ping')).trim() === 'PONG');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const p of ports)
      await waitFor(
        `cluster state ok on ${p}`,
        async () => (await cli(p, 'cluster', 'info')).includes('cluster_state:ok'),
        20_000,
        100,
      );
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
}

export interface LocalSentinel {
  masterName: string;
  masterPort: number;
  replicaPort: number;
  sentinels: Array<{ host: string; port: number }>;
  /** Asks the sentinel to fail over (the replica becomes master); resolves when it has. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/** A master, one replica and one sentinel watching them (quorum 1), on free loopback ports. */
export async function startRedisSentinel(masterName = 'ltmaster'): Promise<LocalSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'lienthong-sentinel-'));
  const [masterPort, replicaPort, sentinelPort] = (await freeRedisPorts(3)) as [number, number, number];
  const children = [
    startServer(dir, ['--port', String(masterPort), ...COMMON, '--dir', dir]),
    startServer(dir, [
      '--port',
      String(replicaPort),
      ...COMMON,
      '--dir',
      dir,
      '--replicaof',
      '127.0.0.1',
      String(masterPort),
    ]),
  ];
  const stop = (): Promise<void> => stopAll(children, dir);
  try {
    await waitFor('master up', async () => (await cli(masterPort, 'ping')).trim() === 'PONG');
    await waitFor(
      'replica in sync',
      async () => (await cli(replicaPort, 'info', 'replication')).includes('master_link_status:up'),
      20_000,
    );
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${masterName} 2000`,
        `sentinel failover-timeout ${masterName} 10000`,
        '',
      ].join('\n'),
    );
    children.push(startServer(dir, [conf, '--sentinel']));
    await waitFor(
      'sentinel knows the master',
      async () =>
        (await cli(sentinelPort, 'sentinel', 'get-master-addr-by-name', masterName)).includes(
          String(masterPort),
        ),
      20_000,
      100,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    masterName,
    masterPort,
    replicaPort,
    sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
    async failover() {
      // The sentinel needs to have seen the replica before it can promote it.
      await waitFor(
        'sentinel knows the replica',
        async () =>
          (await cli(sentinelPort, 'sentinel', 'replicas', masterName)).includes(String(replicaPort)),
        20_000,
        100,
      );
      await cli(sentinelPort, 'sentinel', 'failover', masterName);
      await waitFor(
        'replica promoted',
        async () =>
          (await cli(sentinelPort, 'sentinel', 'get-master-addr-by-name', masterName)).includes(
            String(replicaPort),
          ),
        30_000,
        100,
      );
      // Until the old master is told to follow the new one it still takes writes, which it then
      // drops when it resynchronises (Redis replicates asynchronously): wait for that too, as an
      // operator's planned switch-over would.
      await waitFor(
        'old master following the new one',
        async () => {
          const info = await cli(masterPort, 'info', 'replication');
          return info.includes('role:slave') && info.includes('master_link_status:up');
        },
        30_000,
        100,
      );
      return replicaPort;
    },
    stop,
  };
}
