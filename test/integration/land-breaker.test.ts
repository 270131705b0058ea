import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ name: 'breaker' });
});
afterAll(async () => {
  await stack?.close();
});

describe('circuit breaker', () => {
  it('When the land registry is down for a while, then the breaker opens, no attempts are burnt, and each dossier is delivered once after recovery', async () => {
    const { land, portal, gateway } = stack;
    const codes = Array.from({ length: 6 }, () => nextCode('BRK'));
    land.setFaults({ down: true });
    for (const M of codes) {
      portal.seed(landDossier(M));
      await portal.push(M);
    }
    await waitFor('breaker open', () => gateway!.breakers.isOpen('land'), 10_000);
    const refusedBeforeOpen = land.faults.counts.failed;
    // The outage lasts several breaker periods; jobs wait instead of spending their 8 attempts.
    await sleep(3500);
    const q = gateway!.queues.delivery.get('land')!;
    const jobs = await Promise.all(codes.map((M) => q.getJob(`${M}~land~tiepnhan`)));
    for (const j of jobs) {
      expect(await j!.getState()).not.toBe('failed');
      expect(j!.attemptsMade).toBeLessThan(8);
    }
    const states = (await Promise.all(codes.map((M) => gateway!.store.deliveries(M))))
      .flat()
      .map((d) => d.state);
    expect(states).not.toContain('dead');
    // While open, the land registry saw only the half-open trials, not one call per job and retry.
    const refusedWhileOpen = land.faults.counts.failed - refusedBeforeOpen;
    expect(refusedWhileOpen).toBeLessThanOrEqual(6);
    expect(refusedBeforeOpen).toBeGreaterThanOrEqual(3);

    land.setFaults({ down: false });
    await waitFor('every dossier entered', () => codes.every((M) => land.entries(M) === 1), 20_000);
    await sleep(500);
    for (const M of codes) expect(land.entries(M)).toBe(1);
    expect(gateway!.breakers.isOpen('land')).toBe(false);
  });
});
