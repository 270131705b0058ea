import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { systemConfig, type GatewayConfig } from '../config/config.js';
import type { SystemId } from '../domain/system-event.js';
import { bullPrefix } from '../store/redis-topology.js';
import type { PollJob } from './poll-processor.js';

export const BACKOFF_TYPE = 'jitter-exp';

export interface DeliveryJob {
  deliveryId: string;
  MaHoSo: string;
  system: SystemId;
  /** The request id of the portal push that caused it, carried into every log line of the delivery. */
  requestId?: string;
}

export interface SyncJob {
  MaHoSo: string;
  requestId?: string;
}

/**
 * The queues: one per specialist system (so an outage of one never holds up another) and one for
 * the portal sync. Jobs carry ids only; the state they act on lives in the store, so a job that
 * runs twice, late, or after a crash does only what is still missing.
 */
export class Queues {
  readonly delivery = new Map<SystemId, Queue<DeliveryJob>>();
  readonly sync: Queue<SyncJob>;
  readonly poll: Queue<PollJob>;
  readonly bullPrefix: string;

  constructor(
    readonly config: GatewayConfig,
    private readonly connection: Redis,
    readonly systems: readonly SystemId[],
    onError?: (err: Error) => void,
  ) {
    this.bullPrefix = bullPrefix(config);
    for (const s of systems) {
      this.delivery.set(
        s,
        new Queue<DeliveryJob>(Queues.deliveryQueueName(s), { connection, prefix: this.bullPrefix }),
      );
    }
    this.sync = new Queue<SyncJob>(Queues.syncQueueName(), { connection, prefix: this.bullPrefix });
    this.poll = new Queue<PollJob>(Queues.pollQueueName(), { connection, prefix: this.bullPrefix });
    // A Redis outage surfaces in the calls that fail (intake answers 503); the queues' own 'error'
    // events would otherwise be unhandled and printed or crash the process.
    for (const q of this.all()) q.on('error', (err) => onError?.(err));
  }

  static deliveryQueueName(system: SystemId): string {
    return `deliver-${system}`;
  }

  static syncQueueName(): string {
    return 'portal-sync';
  }

  static pollQueueName(): string {
    return 'poll';
  }

  /** One deadline scan per tick for the whole cluster. */
  async scheduleDeadlineScan(everyMs: number): Promise<void> {
    await this.poll.upsertJobScheduler(
      'deadline-scan',
      { every: everyMs },
      {
        name: 'deadline-scan',
        data: { system: 'document' },
        opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 }, attempts: 1 },
      },
    );
  }

  /** One scheduled poll per system for the whole cluster (BullMQ job scheduler, upserted at start). */
  async schedulePoll(system: SystemId, everyMs: number): Promise<void> {
    await this.poll.upsertJobScheduler(
      `poll-${system}`,
      { every: everyMs },
      {
        name: 'poll',
        data: { system },
        opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 }, attempts: 1 },
      },
    );
  }

  deliveryJobOptions(system: SystemId, jobId: string): JobsOptions {
    return {
      jobId,
      attempts: systemConfig(this.config, system)?.retry.attempts ?? 12,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: false,
    };
  }

  /**
   * Enqueues the current head of a dossier's chain for a system. Idempotent: the job id is the
   * delivery id, and BullMQ ignores an add whose id already exists.
   */
  async kickDelivery(job: DeliveryJob, options: { wake?: boolean } = {}): Promise<void> {
    const q = this.delivery.get(job.system);
    if (!q) throw new Error(`no queue for system ${job.system}`);
    const state = await this.jobPresence(q, job.deliveryId);
    if (state === 'completed') {
      await q.remove(job.deliveryId).catch(() => undefined);
    } else if (state !== 'none') {
      // A job postponed for a prerequisite is looked at again when a new fact may have arrived.
      if (options.wake && state === 'delayed')
        await (await q.getJob(job.deliveryId))?.promote().catch(() => undefined);
      return;
    }
    await q.add('deliver', job, this.deliveryJobOptions(job.system, job.deliveryId));
  }

  /**
   * Whether a job exists, and whether it is completed or delayed: three O(1)/O(log n) reads in one
   * round trip. BullMQ's `getJobState` would also tell waiting from active, but finds that with
   * LPOS over the wait and active lists — O(n) in the backlog, for every kick (profiling the
   * backlog drain showed it); no caller needs that distinction.
   */
  async jobPresence(q: Queue, id: string): Promise<'none' | 'completed' | 'delayed' | 'other'> {
    const res = await this.connection
      .multi()
      .exists(q.toKey(id))
      .zscore(q.keys.completed!, id)
      .zscore(q.keys.delayed!, id)
      .exec();
    if (!res) throw new Error(`job state of ${id}: the transaction was aborted`);
    for (const [err] of res) if (err) throw err;
    if (res[0]![1] !== 1) return 'none';
    if (res[1]![1] !== null) return 'completed';
    if (res[2]![1] !== null) return 'delayed';
    return 'other';
  }

  /**
   * Adds the job of a delivery that did not exist until now (created in the same transaction), so
   * no job of that id can be waiting, running or completed: no state check first. Should one exist
   * all the same, BullMQ ignores an add whose id exists, and the sweeper re-kicks a delivery whose
   * job is gone.
   */
  async enqueueNew(job: DeliveryJob): Promise<void> {
    const q = this.delivery.get(job.system);
    if (!q) throw new Error(`no queue for system ${job.system}`);
    await q.add('deliver', job, this.deliveryJobOptions(job.system, job.deliveryId));
  }

  /**
   * Asks the portal sync worker to look at a dossier (after `delayMs`). Extra triggers are harmless.
   * `fromSweep`: the sweeper's trigger has an id of its own per dossier, so one is waiting at most
   * however many sweeps pass (and it leaves nothing behind when done).
   */
  async kickSync(maHoSo: string, delayMs = 0, requestId?: string, fromSweep = false): Promise<void> {
    await this.sync.add('sync', requestId ? { MaHoSo: maHoSo, requestId } : { MaHoSo: maHoSo }, {
      delay: delayMs,
      attempts: this.config.portal.retry.attempts,
      backoff: { type: BACKOFF_TYPE },
      ...(fromSweep
        ? { jobId: `sweep~${maHoSo}`, removeOnComplete: true, removeOnFail: true }
        : { removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 30 * 24 * 3600 } }),
    });
  }

  all(): Queue[] {
    return [...this.delivery.values(), this.sync, this.poll] as Queue[];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()));
  }
}
