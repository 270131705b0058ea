import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { exited, spawnGateway, writeConfig } from '../helpers/processes.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: Stack;
let worker: ChildProcess | null = null;
let configFile = '';

beforeAll(async () => {
  // The api runs here; the workers run as separate processes so they can be killed for real.
  stack = await startStack({ name: 'crash', mode: 'api' });
  configFile = writeConfig(stack.rawConfig);
}, 60_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGKILL');
    await exited(worker);
  }
  await stack?.close();
});

async function workersConnected(): Promise<number> {
  return stack.gateway!.queues.delivery.get('land')!.getWorkersCount();
}

describe('a worker killed mid-delivery', () => {
  it('When a worker is killed with SIGKILL while tiepnhan is in flight and a new one starts, then there is exactly one land dossier and the delivery completes', async () => {
    const { land, portal, gateway } = stack;
    worker = spawnGateway('worker', configFile);
    await waitFor('first worker connected', async () => (await workersConnected()) >= 1, 30_000);

    const M = nextCode('KILL');
    land.setFaults({ timeoutAfterCommitNext: 1 });
    portal.seed(landDossier(M));
    await portal.push(M);
    await waitFor('land committed the intake', () => land.entries(M) === 1, 20_000);
    const inFlight = await gateway!.store.delivery(M, `${M}~land~tiepnhan`);
    expect(inFlight?.state).toBe('delivering');
    expect(inFlight?.inflightSince).toBeTruthy();

    worker.kill('SIGKILL');
    await exited(worker);
    await waitFor('no worker connected', async () => (await workersConnected()) === 0, 10_000);

    worker = spawnGateway('worker', configFile);
    await waitFor(
      'delivery completed by the new worker',
      async () => (await gateway!.store.delivery(M, `${M}~land~tiepnhan`))?.state === 'delivered',
      30_000,
    );
    expect(land.entries(M)).toBe(1);
    const timeline = await gateway!.store.timeline(M);
    expect(timeline.filter((t) => t.type === 'delivered')).toHaveLength(1);
    expect(timeline.find((t) => t.type === 'delivered')?.detail).toContain('adopted');

    // The restarted worker also carries on with the rest of the dossier's life.
    land.transfer(M, { NguoiXuLy: 'Trần Thị Mai' });
    await waitFor('status 4 at the portal', () => portal.record(M)?.TrangThaiHoSo === '4', 20_000);
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
  }, 90_000);
});
