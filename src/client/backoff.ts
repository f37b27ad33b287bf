import { UpsocketError } from '../core/index.js';
import { assertPositive, type Resolved } from '../core/internal.js';

/** How long to wait between reconnect attempts. */
export interface BackoffOptions {
  /** The delay before the first retry, in ms. Default: 500. */
  initialDelay?: number | undefined;
  /** No delay is longer than this, in ms. Default: 30000. */
  maxDelay?: number | undefined;
  /** Each failed attempt multiplies the delay by this. Default: 2. */
  factor?: number | undefined;
  /**
   * The random share of each delay, from 0 (none) to 1: a delay `d` becomes a random value between
   * `d * (1 - jitter)` and `d`, so clients dropped together do not all come back at once. Default: 0.5.
   */
  jitter?: number | undefined;
}

/** @internal */
export type Backoff = Resolved<BackoffOptions>;

/** @internal The keys of `BackoffOptions`. */
export const backoffOptionKeys: readonly string[] = ['initialDelay', 'maxDelay', 'factor', 'jitter'];

/** @internal Applies the defaults and validates. */
export function resolveBackoff(options: BackoffOptions): Backoff {
  const { initialDelay = 500, maxDelay = 30_000, factor = 2, jitter = 0.5 } = options;
  assertPositive('initialDelay', initialDelay);
  assertPositive('maxDelay', maxDelay);
  if (maxDelay < initialDelay) throw new UpsocketError('UPSOCKET_INVALID_OPTION', `maxDelay (${maxDelay}) must be at least initialDelay (${initialDelay})`);
  if (!(factor >= 1)) throw new UpsocketError('UPSOCKET_INVALID_OPTION', `factor must be a number of at least 1, got ${String(factor)}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new UpsocketError('UPSOCKET_INVALID_OPTION', `jitter must be between 0 and 1, got ${String(jitter)}`);
  return { initialDelay, maxDelay, factor, jitter };
}

/**
 * @internal The delay before retry number `attempt` (1 for the first): exponential, capped at
 * `maxDelay`, then shortened by a random share of up to `jitter`.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxDelay, backoff.initialDelay * backoff.factor ** (attempt - 1));
  return Math.round(exponential * (1 - backoff.jitter * random()));
}
