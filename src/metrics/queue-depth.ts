import type { Queue } from 'bullmq';

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface QueueDepth {
  queue: string;
  counts: Record<QueueState, number>;
  /** Seconds since the oldest waiting job was created; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/**
 * Reads one queue's depth from Redis (a scrape-time read: nothing is counted on the hot path).
 *
 * @remarks `waiting` includes prioritized jobs (BullMQ keeps those apart) and, in a paused queue,
 * the jobs held back by the pause. The oldest waiting job's age is from its creation (BullMQ's
 * `timestamp`), so a job that was delayed (backoff, breaker) and is now waiting counts its delay.
 */
export async function readQueueDepth(queue: Queue, now = Date.now()): Promise<QueueDepth> {
  const [counts, oldest] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
    queue.getWaiting(0, 0),
  ]);
  const created = oldest[0]?.timestamp;
  return {
    queue: queue.name,
    counts: {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
    },
    oldestWaitingSeconds: created ? Math.max(0, (now - created) / 1000) : 0,
  };
}
