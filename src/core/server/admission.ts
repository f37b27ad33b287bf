import { RateBudget } from '../connection/rate-budget.js';
import type { Refusal } from './http-answer.js';

/**
 * Seconds a shed upgrade is told to wait at most: a bound on upgrades in progress or per second
 * frees up within a second (handshakes finish in milliseconds, the bucket refills every second),
 * so the server's `retryAfter` (5 s by default, sized for a full server or a restart) would keep
 * clients away longer than the storm lasts; their jitter spreads the retries.
 */
const shedRetryAfter = 1;

/** What the admission bounds need of `attach()`'s options. */
export interface AdmissionSettings {
  maxPendingUpgrades: number | false;
  upgradesPerSecond: number | undefined;
  upgradeBurst: number | undefined;
  retryAfter: number;
}

/**
 * @internal The per-process bounds on upgrades `attach()` routes (`maxPendingUpgrades`,
 * `upgradesPerSecond`): made only when one is set, so a server without them pays nothing here.
 * `admit()` counts an admitted upgrade as pending until `release()`.
 */
export class Admission {
  readonly #maxPending: number;
  readonly #budget: RateBudget | undefined;
  readonly #overPending: Refusal;
  readonly #overRate: Refusal;
  #pending = 0;

  /** Undefined when no bound is set. */
  static from({ maxPendingUpgrades, upgradesPerSecond, upgradeBurst, retryAfter }: AdmissionSettings): Admission | undefined {
    if (maxPendingUpgrades === false && upgradesPerSecond === undefined) return undefined;
    return new Admission(maxPendingUpgrades === false ? Infinity : maxPendingUpgrades, upgradesPerSecond, upgradeBurst, retryAfter);
  }

  private constructor(maxPending: number, perSecond: number | undefined, burst: number | undefined, retryAfter: number) {
    this.#maxPending = maxPending;
    // A bucket holding `burst` upgrades, refilled at `perSecond`: one `burst / perSecond` s interval's allowance.
    const holds = burst ?? perSecond;
    this.#budget = perSecond === undefined ? undefined : new RateBudget(holds, undefined, (holds! * 1000) / perSecond);
    const headers = Object.freeze({ 'Retry-After': String(Math.min(shedRetryAfter, retryAfter)) });
    // `shed` names the bound on `upsocket:refused`: `stats()` and `upsocket/otel` count by it, so
    // the reason stays text for people, free to change.
    this.#overPending = Object.freeze({
      status: 503,
      reason: 'Too many upgrades in progress (maxPendingUpgrades)',
      headers,
      shed: 'maxPendingUpgrades',
    });
    this.#overRate = Object.freeze({
      status: 503,
      reason: 'Too many upgrades per second (upgradesPerSecond)',
      headers,
      shed: 'upgradesPerSecond',
    });
  }

  /** The refusal for one more upgrade over a bound; undefined: admitted, pending until `release()`. */
  admit(): Refusal | undefined {
    if (this.#pending >= this.#maxPending) return this.#overPending;
    if (this.#budget !== undefined && !this.#budget.take(0, false)) return this.#overRate;
    this.#pending++;
    return undefined;
  }

  /** An admitted upgrade opened, was answered or refused, or lost its client. */
  release(): void {
    this.#pending--;
  }
}
