import { seededRandom, type FaultCounts } from '../../src/simulators/fault-injector.js';
import type { World } from '../../src/simulators/world.js';

/** The kinds of fault the suite injects, as printed in its summary line. */
export const FAULT_KINDS = [
  '5xx',
  'soapFault',
  'busy',
  'timeoutAfterCommit',
  'slowWindows',
  'droppedConnections',
  'duplicateDeliveries',
  'reorderedBatches',
  'tokenExpiry',
  'sessionExpiry',
  '429',
  'workerKills',
  'redisRestarts',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

type HttpSystem = 'land' | 'civil' | 'tax' | 'bhxh' | 'doc' | 'portal';
const HTTP_SYSTEMS: readonly HttpSystem[] = ['land', 'civil', 'tax', 'bhxh', 'doc', 'portal'];

/**
 * What the simulated world does wrong during the run: steady rates (a share of requests fail
 * before or after commit, callbacks are duplicated and batches reordered) plus one discrete fault
 * every tick, drawn from a seeded source so a run can be replayed. The figures come from the
 * simulators' own counters wherever they count, and from this plan otherwise.
 */
export class FaultPlan {
  private readonly random: () => number;
  private readonly own: Record<FaultKind, number> = Object.fromEntries(
    FAULT_KINDS.map((k) => [k, 0]),
  ) as Record<FaultKind, number>;
  private slowUntil = 0;
  private slowSystem: HttpSystem | null = null;

  constructor(
    private readonly world: World,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Steady faults for the whole run (rates are kept low enough that every delivery gets through within its attempts). */
  steady(): void {
    const { land, civil, tax, bhxh, doc, portal } = this.world;
    const transport = { failRate: 0.03, failStatus: 503, dropAfterCommitRate: 0.03 };
    land.setFaults({ ...transport, duplicateRate: 0.15, reorder: true });
    civil!.setFaults({ ...transport, busyRate: 0.02 });
    tax!.setFaults({ ...transport, duplicateRate: 0.15, reorder: true });
    bhxh!.setFaults({
      ...transport,
      failStatus: 500,
      serverFaultRate: 0.03,
      duplicateRate: 0.15,
      reorder: true,
    });
    doc!.setFaults({ ...transport, duplicateStatusRate: 0.15, reorderStatuses: true });
    portal.setFaults({
      failRate: 0.02,
      failStatus: 503,
      dropAfterCommitRate: 0.02,
      feed: { duplicateRate: 0.1 },
    });
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  private setTransport(s: HttpSystem, patch: Record<string, number>): void {
    const w = this.world;
    if (s === 'land') w.land.setFaults(patch);
    else if (s === 'civil') w.civil!.setFaults(patch);
    else if (s === 'tax') w.tax!.setFaults(patch);
    else if (s === 'bhxh') w.bhxh!.setFaults(patch);
    else if (s === 'doc') w.doc!.setFaults(patch);
    else w.portal.setFaults(patch);
  }

  /** One discrete fault (a timeout after commit, a burst of 429s or 5xx, an expiry, a slow window). */
  tick(): void {
    const now = Date.now();
    if (this.slowSystem && now > this.slowUntil) {
      this.setTransport(this.slowSystem, { latencyMs: 0 });
      this.slowSystem = null;
    }
    const w = this.world;
    switch (this.pick(['timeout', 'rate', 'burst', 'token', 'session', 'slow', 'soap', 'busy'] as const)) {
      case 'timeout':
        this.setTransport(this.pick(HTTP_SYSTEMS), { timeoutAfterCommitNext: 1 });
        break;
      case 'rate':
        this.setTransport(this.pick(HTTP_SYSTEMS), { rateLimitNext: 3, retryAfterSeconds: 1 });
        break;
      case 'burst':
        this.setTransport(this.pick(HTTP_SYSTEMS), { failNext: 3 });
        break;
      case 'token':
        w.civil!.expireTokens();
        w.doc!.expireTokens();
        this.own.tokenExpiry += 2;
        break;
      case 'session':
        w.portal.expireAllSessions();
        this.own.sessionExpiry += 1;
        break;
      case 'slow':
        if (this.slowSystem) break;
        this.slowSystem = this.pick(HTTP_SYSTEMS);
        this.slowUntil = now + 1500;
        this.setTransport(this.slowSystem, { latencyMs: 300 + Math.floor(this.random() * 900) });
        this.own.slowWindows += 1;
        break;
      case 'soap':
        w.bhxh!.serverFaultNext(2);
        break;
      case 'busy':
        w.civil!.busyNext(2);
        w.tax!.setFaults({ busyNext: 2 });
        break;
    }
  }

  /** The simulator actions that emit a batch of several events count as reordered while the fault is on. */
  reorderedBatch(): void {
    this.own.reorderedBatches += 1;
  }

  workerKilled(): void {
    this.own.workerKills += 1;
  }

  redisRestarted(): void {
    this.own.redisRestarts += 1;
  }

  /** Every fault off (what was already injected keeps being retried by whoever got it). */
  stop(): void {
    const { land, civil, tax, bhxh, doc, portal } = this.world;
    const off = { failRate: 0, dropAfterCommitRate: 0, latencyMs: 0, failNext: 0, rateLimitNext: 0 };
    land.setFaults({ ...off, duplicateRate: 0, reorder: false, timeoutAfterCommitNext: 0 });
    civil!.setFaults({ ...off, busyRate: 0, busyNext: 0, timeoutAfterCommitNext: 0 });
    tax!.setFaults({ ...off, duplicateRate: 0, reorder: false, busyNext: 0, timeoutAfterCommitNext: 0 });
    bhxh!.setFaults({ ...off, serverFaultRate: 0, serverFaultNext: 0, duplicateRate: 0, reorder: false });
    doc!.setFaults({ ...off, duplicateStatusRate: 0, reorderStatuses: false, timeoutAfterCommitNext: 0 });
    portal.setFaults({ ...off, feed: { duplicateRate: 0 }, session: { expireNext: 0 } });
  }

  /** What was injected, by kind. */
  figures(): Record<FaultKind, number> {
    const { land, civil, tax, bhxh, doc, portal } = this.world;
    const counts: FaultCounts[] = [
      land.faults.counts,
      civil!.faults.counts,
      tax!.faults.counts,
      bhxh!.faults.counts,
      doc!.faults.counts,
      portal.faults.counts,
    ];
    const sum = (k: keyof FaultCounts): number => counts.reduce((n, c) => n + c[k], 0);
    const docState = doc!.state();
    return {
      ...this.own,
      '5xx': sum('failed'),
      soapFault: bhxh!.counters().injected.serverFaults,
      busy: civil!.counters.nhanDKHTResults['9'] + tax!.counters().busy,
      timeoutAfterCommit: sum('timedOutAfterCommit'),
      droppedConnections: sum('droppedAfterCommit'),
      duplicateDeliveries:
        land.counters().callbacks.duplicatesSent +
        tax!.counters().duplicatesSent +
        bhxh!.counters().emitter.duplicatesSent +
        portal.state().feed.stats.duplicatesSent +
        (docState.counters.statusesQueued - this.docStatusesAsked),
      // Injected 429s of every system, and those of the portal's own account limit.
      '429': sum('rateLimited') + portal.counters().rateLimited,
    };
  }

  /** Statuses the suite itself put in the document inbox (the rest are the duplicate fault's). */
  docStatusesAsked = 0;
}
