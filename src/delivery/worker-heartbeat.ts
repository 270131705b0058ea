import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';

/** How often the file is rewritten; `healthcheck.ts` allows six missed beats by default. */
export const HEARTBEAT_EVERY_MS = 5000;

/**
 * Rewrites `workers.heartbeatFile` while this worker process is healthy: every queue worker
 * running and Redis answering a PING. A container's HEALTHCHECK (`node dist/src/healthcheck.js
 * --file …`) reads the file's age: a worker serves no HTTP, and a stuck event loop or a lost Redis
 * stops the beats.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: { file: string; redis: Redis; workers: readonly Worker[]; log: Logger }) {}

  async beat(): Promise<boolean> {
    const running = this.d.workers.every((w) => w.isRunning());
    if (!running) return false;
    try {
      await this.d.redis.ping();
    } catch {
      return false;
    }
    mkdirSync(dirname(this.d.file), { recursive: true });
    writeFileSync(this.d.file, JSON.stringify({ at: new Date().toISOString(), pid: process.pid }));
    return true;
  }

  start(): void {
    const tick = (): void =>
      void this.beat().catch((err: unknown) => this.d.log.warn({ err }, 'heartbeat not written'));
    tick();
    this.timer = setInterval(tick, HEARTBEAT_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    rmSync(this.d.file, { force: true });
  }
}
