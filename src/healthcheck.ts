#!/usr/bin/env node
import { statSync } from 'node:fs';

/**
 * The container's HEALTHCHECK: exit 0 when healthy, 1 when not, printing why.
 *
 * - `--url URL` (or `LIENTHONG_HEALTHCHECK_URL`): an `api` process; healthy when `GET URL`
 *   (normally `http://127.0.0.1:8080/healthz`) answers 2xx within 4 s.
 * - otherwise `--file PATH` (or `LIENTHONG_HEARTBEAT_FILE`, default `/tmp/lienthong/heartbeat`): a
 *   `worker` process, which serves no HTTP; healthy when the file its heartbeat rewrites every 5 s
 *   (`workers.heartbeatFile`) is younger than `--max-age-ms` (default 30000).
 *
 * It reads no configuration and no secret, so it can run as often as the engine likes.
 */
function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function check(): Promise<string> {
  const url = option('--url') ?? process.env.LIENTHONG_HEALTHCHECK_URL;
  if (url) {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return `${url} answered ${res.status}`;
  }
  const file = option('--file') ?? process.env.LIENTHONG_HEARTBEAT_FILE ?? '/tmp/lienthong/heartbeat';
  const maxAge = Number(option('--max-age-ms') ?? 30_000);
  let mtime: number;
  try {
    mtime = statSync(file).mtimeMs;
  } catch {
    throw new Error(`no heartbeat at ${file} (is workers.heartbeatFile set to it?)`);
  }
  const age = Date.now() - mtime;
  if (age > maxAge) throw new Error(`heartbeat ${file} is ${Math.round(age / 1000)} s old`);
  return `heartbeat ${Math.round(age / 1000)} s old`;
}

check().then(
  (ok) => {
    console.log(`healthy: ${ok}`);
    process.exit(0);
  },
  (err: unknown) => {
    console.log(`unhealthy: ${(err as Error).message}`);
    process.exit(1);
  },
);
