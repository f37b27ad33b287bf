import { UpsocketError } from '../core/index.js';
import { atLeast, between, defineOptions, nonNegativeInteger, positiveInteger, type Resolved } from '../core/internal.js';
import { RESTART_DELAY } from '../wire/index.js';

/** How long to wait between reconnect attempts. */
export interface BackoffOptions {
  /** The delay before the first retry, in ms. Default: 500. */
  initialDelay?: number | undefined;
  /**
   * No backoff delay is longer than this, in ms. A server's `Retry-After` is believed up to this
   * long too (plus its jitter), so a wrong or hostile header cannot park the client for hours.
   * Default: 30000.
   */
  maxDelay?: number | undefined;
  /** Each failed attempt multiplies the delay by this. Default: 2. */
  factor?: number | undefined;
  /**
   * The random share of each delay, from 0 (none) to 1: a delay `d` becomes a random value between
   * `d * (1 - jitter)` and `d`, so clients dropped together do not all come back at once. Default: 0.5.
   */
  jitter?: number | undefined;
  /**
   * The window, in ms, over which the client spreads its return after the server closed with 1001
   * (going away), 1012 (service restart) or 1013 (try again later): it waits a random delay from 0
   * to `restartDelay` (1013, which says the server is overloaded or this client fell behind: from
   * `restartDelay` to twice it) instead of the backoff. A server that restarts closes all its
   * connections at once; with the backoff's 250–500 ms, 5,000 clients of one process would land on
   * the survivors within 250 ms and overflow their accept queues, while over 1 s they arrive about
   * 5 per ms. If that attempt fails, the backoff (and a refusal's `Retry-After`) applies as usual.
   * 0 reconnects at once. Not capped by `maxDelay`. Default: 1000.
   *
   * @example
   * // 20,000 clients per process: spread their return over 4 s.
   * reconnecting(url, handler, { restartDelay: 4000 })
   */
  restartDelay?: number | undefined;
}

/** @internal */
export type Backoff = Resolved<BackoffOptions>;

/** @internal The backoff options of `reconnecting()`. */
export const backoffOptions = defineOptions<Backoff>(
  {
    initialDelay: { default: 500, check: positiveInteger },
    maxDelay: { default: 30_000, check: positiveInteger },
    factor: { default: 2, check: atLeast(1) },
    jitter: { default: 0.5, check: between(0, 1) },
    restartDelay: { default: RESTART_DELAY, check: nonNegativeInteger },
  },
  ({ initialDelay, maxDelay }) => {
    if (maxDelay < initialDelay) throw new UpsocketError('UPSOCKET_INVALID_OPTION', `maxDelay (${maxDelay}) must be at least initialDelay (${initialDelay})`);
  },
);

/** @internal The backoff alone, defaults applied and checked (`reconnecting()` resolves it with its other options). */
export function resolveBackoff(options: BackoffOptions): Backoff {
  return backoffOptions.resolve('reconnecting()', options);
}

/**
 * @internal The delay before retry number `attempt` (1 for the first): exponential, capped at
 * `maxDelay`, then shortened by a random share of up to `jitter`.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxDelay, backoff.initialDelay * backoff.factor ** (attempt - 1));
  return Math.round(exponential * (1 - backoff.jitter * random()));
}

/**
 * @internal The delay before retry `attempt` after the server said to wait `retryAfter` ms: never
 * less than that (believed up to `maxDelay`), plus a random share of up to `jitter` of it on top,
 * so clients refused together do not all come back in the same instant; and never less than the
 * backoff. So at most `maxDelay * (1 + jitter)`.
 */
export function retryAfterDelay(attempt: number, backoff: Backoff, retryAfter: number, random: () => number = Math.random): number {
  const told = Math.min(retryAfter, backoff.maxDelay);
  return Math.max(backoffDelay(attempt, backoff, random), Math.ceil(told * (1 + backoff.jitter * random())));
}
