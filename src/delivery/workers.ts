import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { systemConfig, type GatewayConfig } from '../config/config.js';
import type { SystemId } from '../domain/system-event.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../logging/logger.js';
import { backoffDelay } from './backoff.js';
import type { DeliveryProcessor } from './delivery-processor.js';
import { BACKOFF_TYPE, Queues, type DeliveryJob, type SyncJob } from './queues.js';
import type { SyncProcessor } from '../portal/sync-processor.js';
import type { PollJob, PollProcessor } from './poll-processor.js';

/**
 * BullMQ workers: one per system queue (with that system's rate limit) and one for the portal.
 *
 * @remarks Stall settings: a job whose worker died is noticed after `lockDurationMs` and moved back
 * to waiting; `maxStalledCount` is high because a stall here means a crashed process, not a poison
 * job, and the ledger makes re-running a stalled delivery safe. Shorter locks recover faster after
 * `kill -9` but need the event loop never to block longer than the lock.
 */
export function createWorkers(deps: {
  config: GatewayConfig;
  connection: Redis;
  queues: Queues;
  systems: readonly SystemId[];
  delivery: DeliveryProcessor;
  sync: SyncProcessor;
  poll: PollProcessor;
  /** Runs one deadline scan (a scheduled job on the poll queue), when deadlines are tracked. */
  deadlines?: () => Promise<unknown>;
  /** Runs one reconciliation (a scheduled tick or an administrator's run) on the poll queue (issue 9). */
  reconcile?: (job: Job, token: string | undefined) => Promise<unknown>;
  log: Logger;
}): Worker[] {
  const { config, connection, queues, log } = deps;
  const w = config.workers;
  const common = {
    connection,
    prefix: queues.bullPrefix,
    lockDuration: w.lockDurationMs,
    stalledInterval: w.stalledIntervalMs,
    maxStalledCount: 50,
    autorun: false,
  };
  const workers: Worker[] = [];
  for (const system of deps.systems) {
    const sys = systemConfig(config, system);
    if (!sys) continue;
    const worker: Worker<DeliveryJob> = new Worker<DeliveryJob>(
      Queues.deliveryQueueName(system),
      (job: Job<DeliveryJob>, token?: string) => deps.delivery.process(job, token, worker),
      {
        ...common,
        concurrency: w.concurrency,
        limiter: { max: sys.rateLimit.max, duration: sys.rateLimit.durationMs },
        settings: {
          backoffStrategy: (attemptsMade: number, type?: string, err?: Error) => {
            if (type !== BACKOFF_TYPE) return 1000;
            const hinted =
              err instanceof GatewayError && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : 0;
            return Math.max(hinted, backoffDelay(attemptsMade, sys.retry.backoffMs, sys.retry.maxBackoffMs));
          },
        },
      },
    );
    worker.on('error', (err) => log.error({ err, system }, 'delivery worker error'));
    workers.push(worker as Worker);
  }
  const portal = config.portal;
  const syncWorker = new Worker<SyncJob>(
    Queues.syncQueueName(),
    (job: Job<SyncJob>, token?: string) => deps.sync.process(job, token),
    {
      ...common,
      concurrency: w.concurrency,
      limiter: { max: portal.rateLimit.max, duration: portal.rateLimit.durationMs },
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => {
          const hinted =
            err instanceof GatewayError && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : 0;
          return Math.max(
            hinted,
            backoffDelay(attemptsMade, portal.retry.backoffMs, portal.retry.maxBackoffMs),
          );
        },
      },
    },
  );
  syncWorker.on('error', (err) => log.error({ err }, 'portal sync worker error'));
  workers.push(syncWorker as Worker);
  const pollWorker = new Worker<PollJob>(
    Queues.pollQueueName(),
    async (job: Job<PollJob>, token?: string) =>
      job.name === 'deadline-scan'
        ? deps.deadlines?.()
        : job.name === 'reconcile'
          ? deps.reconcile?.(job, token)
          : deps.poll.process(job),
    {
      ...common,
      concurrency: 5,
    },
  );
  pollWorker.on('error', (err) => log.error({ err }, 'poll worker error'));
  workers.push(pollWorker as Worker);
  return workers;
}
