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
  /**
   * Breakers another worker process opened, until when (ms since the epoch): see
   * `shared-breaker-state.ts`. This process treats the system as open until then.
   */
  private readonly sharedUntil = new Map<SystemId, number>();

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
    const until = this.openElsewhereUntil(system);
    if (until !== undefined && !this.get(system).opened) {
      return Promise.reject(
        Object.assign(
          new Error(`breaker of ${system} opened by another worker, until ${new Date(until).toISOString()}`),
          { code: 'EOPENBREAKER' },
        ),
      );
    }
    return this.get(system).fire(fn) as Promise<T>;
  }

  isOpen(system: SystemId): boolean {
    const forced = this.forcedStates.get(system);
    if (forced) return forced === 'open';
    return this.get(system).opened || this.openElsewhereUntil(system) !== undefined;
  }

  /**
   * Records that another worker process opened this system's breaker until `untilMs` (undefined:
   * it closed again). Until then this process sends nothing either, unless an administrator forced
   * the breaker closed.
   */
  shareOpen(system: SystemId, untilMs: number | undefined): void {
    if (!this.breakers.has(system)) return;
    const before = this.openElsewhereUntil(system);
    if (untilMs === undefined || untilMs <= Date.now()) this.sharedUntil.delete(system);
    else this.sharedUntil.set(system, untilMs);
    const after = this.openElsewhereUntil(system);
    if ((before === undefined) !== (after === undefined))
      this.log.info(
        { system, until: after === undefined ? null : new Date(after).toISOString() },
        after === undefined
          ? 'breaker of another worker closed'
          : 'breaker opened by another worker: holding calls',
      );
  }

  /** Until when another worker's open breaker holds this system (ms), if it still does. */
  openElsewhereUntil(system: SystemId): number | undefined {
    const until = this.sharedUntil.get(system);
    return until !== undefined && until > Date.now() ? until : undefined;
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

  /**
   * Milliseconds until an open breaker lets a trial call through: the configured reset timeout, or,
   * while another worker's breaker holds the system, what is left of that (with a little jitter, so
   * the jobs postponed by every worker do not all come back in the same millisecond).
   */
  resetTimeoutMs(system: SystemId): number {
    const until = this.get(system).opened ? undefined : this.openElsewhereUntil(system);
    if (until !== undefined) {
      const left = until - Date.now();
      return Math.max(50, left) + Math.floor(Math.random() * Math.min(1000, left / 5 + 50));
    }
    return this.configuredResetTimeoutMs(system);
  }

  /** The reset timeout configured for the system (`systems.<id>.breaker.resetTimeoutMs`). */
  configuredResetTimeoutMs(system: SystemId): number {
    return this.resetTimeouts.get(system) ?? 30_000;
  }

  states(): Record<string, 'open' | 'half-open' | 'closed'> {
    const out: Record<string, 'open' | 'half-open' | 'closed'> = {};
    for (const [s, b] of this.breakers)
      out[s] = b.opened
        ? 'open'
        : b.halfOpen
          ? 'half-open'
          : this.openElsewhereUntil(s) !== undefined
            ? 'open'
            : 'closed';
    return out;
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
  }
}
