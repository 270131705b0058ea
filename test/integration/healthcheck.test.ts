import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const heartbeat = join(mkdtempSync(join(tmpdir(), 'lienthong-hb-')), 'heartbeat');
let stack: Stack;

/** Runs the container's HEALTHCHECK command (from source) and returns its exit code and output. */
function healthcheck(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/healthcheck.ts', ...args],
      { cwd: ROOT, env: { ...process.env, LIENTHONG_HEALTHCHECK_URL: '' } },
      (err, stdout) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout }),
    );
  });
}

beforeAll(async () => {
  stack = await startStack({
    name: 'health',
    patch: (raw) => {
      raw.workers = { ...(raw.workers as object), heartbeatFile: heartbeat };
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe('the container health check', () => {
  it('When a worker runs with a heartbeat file and an api serves /healthz, then both checks pass; once the worker stops, the heartbeat check fails', async () => {
    await waitFor('heartbeat written', () => existsSync(heartbeat));
    const worker = await healthcheck('--file', heartbeat);
    expect(worker.code, worker.out).toBe(0);
    expect(worker.out).toMatch(/^healthy: heartbeat/);
    const api = await healthcheck('--url', `${stack.gatewayUrl}/healthz`);
    expect(api.code, api.out).toBe(0);
    const stale = await healthcheck('--file', heartbeat, '--max-age-ms', '0');
    expect(stale.code).toBe(1);

    await stack.gateway!.stop();
    expect(existsSync(heartbeat)).toBe(false);
    const stopped = await healthcheck('--file', heartbeat);
    expect(stopped.code).toBe(1);
    expect(stopped.out).toMatch(/^unhealthy: no heartbeat/);
    const down = await healthcheck('--url', `${stack.gatewayUrl}/healthz`);
    expect(down.code).toBe(1);
  }, 60_000);
});
