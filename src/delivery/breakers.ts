import CircuitBreaker from 'opossum';
import { systemConfig, type GatewayConfig } from '../config/config.js';
import type { SystemId } from '../domain/system-event.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../logging/logger.js';

/**
 * One opossum circuit breaker per system.
 *
 * @remarks Caller errors (the system rejected our request: 4xx, validation) say nothing about the
 * system's health, so `errorFilter` keeps them from opening the breaker; only retryable failures
 * (5xx, timeouts, resets) count. While a breaker is open, the worker postpones the system's jobs
 * without spending an attempt.
 */
export class Breakers {
  private readonly resetTimeouts = new Map<SystemId, number>();
  private readonly breakers = new Map<SystemId, CircuitBreaker<[() => Promise<unknown>], unknown>>();
  /** States an administrator forced (read from Redis by every worker process): they win over opossum's. */
  private readonly forcedStates = new Map<SystemId, 'open' | 'closed'>();

  constructor(
    config: GatewayConfig,
    systems: readonly SystemId[],
    private readonly log: Logger,
  ) {
    for (const s of systems) {
      const b = systemConfig(config, s)?.breaker;
      this.resetTimeouts.set(s, b?.resetTimeoutMs ?? 30_000);
      const breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
        timeout: false,
        errorThresholdPercentage: b?.errorThresholdPercentage ?? 50,
        volumeThreshold: b?.volumeThreshold ?? 5,
        rollingCountTimeout: b?.rollingCountTimeoutMs ?? 10_000,
        resetTimeout: b?.resetTimeoutMs ?? 30_000,
        errorFilter: (err: unknown) => err instanceof GatewayError && !err.retryable,
        name: s,
      });
      breaker.on('open', () => this.log.warn({ system: s }, 'circuit breaker opened'));
      breaker.on('halfOpen', () => this.log.info({ system: s }, 'circuit breaker half-open'));
      breaker.on('close', () => this.log.info({ system: s }, 'circuit breaker closed'));
      this.breakers.set(s, breaker);
    }
  }

  get(system: SystemId): CircuitBreaker<[() => Promise<unknown>], unknown> {
    const b = this.breakers.get(system);
    if (!b) throw new Error(`no breaker for ${system}`);
    return b;
  }

  fire<T>(system: SystemId, fn: () => Promise<T>): Promise<T> {
    const forced = this.forcedStates.get(system);
    if (forced === 'open') {
      return Promise.reject(
        Object.assign(new Error(`breaker of ${system} forced open by an administrator`), {
          code: 'EOPENBREAKER',
        }),
      );
    }
    // Forced closed: calls go through and are not counted, so the breaker cannot reopen by itself.
    if (forced === 'closed') return fn();
    return this.get(system).fire(fn) as Promise<T>;
  }

  isOpen(system: SystemId): boolean {
    const forced = this.forcedStates.get(system);
    if (forced) return forced === 'open';
    return this.get(system).opened;
  }

  /** Applies an administrator's forced state (`undefined`: back to automatic). */
  force(system: SystemId, state: 'open' | 'closed' | undefined): void {
    const b = this.breakers.get(system);
    if (!b) return;
    const before = this.forcedStates.get(system);
    if (state) this.forcedStates.set(system, state);
    else this.forcedStates.delete(system);
    if (state === 'closed' && !b.closed) b.close();
    if (before !== state)
      this.log.warn({ system, forced: state ?? 'auto' }, 'breaker state forced by an administrator');
  }

  forced(): Record<string, 'open' | 'closed'> {
    return Object.fromEntries(this.forcedStates);
  }

  /** Milliseconds until an open breaker lets a trial call through. */
  resetTimeoutMs(system: SystemId): number {
    return this.resetTimeouts.get(system) ?? 30_000;
  }

  states(): Record<string, 'open' | 'half-open' | 'closed'> {
    const out: Record<string, 'open' | 'half-open' | 'closed'> = {};
    for (const [s, b] of this.breakers) out[s] = b.opened ? 'open' : b.halfOpen ? 'half-open' : 'closed';
    return out;
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
  }
}
