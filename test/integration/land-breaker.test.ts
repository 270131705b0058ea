import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDossier, nextCode } from '../helpers/dossiers.js';
import { metric } from '../helpers/prometheus.js';
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
    // More dossiers than workers (8 in the test world), so the backlog is larger than one fetch.
    const codes = Array.from({ length: 40 }, () => nextCode('BRK'));
    land.setFaults({ down: true });
    for (const M of codes) portal.seed(landDossier(M));
    await Promise.all(codes.map((M) => portal.push(M)));
    await waitFor('breaker open', () => gateway!.breakers.isOpen('land'), 10_000);
    const refusedBeforeOpen = land.faults.counts.failed;
    const postponed = async (): Promise<number> =>
      metric(await gateway!.metrics.registry.metrics(), 'lienthong_deliveries_total', {
        system: 'land',
        outcome: 'postponed',
      }) ?? 0;
    const postponedAtOpen = await postponed();
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
    // While open the queue waits as a whole (BullMQ's rate limiter): a handful of jobs looked at per
    // breaker period (1 s here), not every job of the backlog postponed on its own, again and again.
    expect((await postponed()) - postponedAtOpen).toBeLessThanOrEqual(8 * 5);
    // A delivery carries an in-flight mark only if its request reached land (a 503 leaves the
    // outcome unknown, so it is looked up after recovery); calls the half-open breaker refused
    // before any request left take their mark back.
    const r = gateway!.store.redis;
    const marks = await Promise.all(
      codes.map((M) => r.hget(gateway!.keys.delivery(`${M}~land~tiepnhan`, M), 'inflightSince')),
    );
    const marked = marks.filter((m) => m !== null).length;
    expect(marked).toBeLessThanOrEqual(land.faults.counts.failed);
    const lookupsBefore = land.counters().lookupCalls;

    land.setFaults({ down: false });
    await waitFor('every dossier entered', () => codes.every((M) => land.entries(M) === 1), 20_000);
    await sleep(500);
    for (const M of codes) expect(land.entries(M)).toBe(1);
    expect(gateway!.breakers.isOpen('land')).toBe(false);
    // One lookup per marked delivery at most, none for the others.
    expect(land.counters().lookupCalls - lookupsBefore).toBeLessThanOrEqual(marked);
  });
});
