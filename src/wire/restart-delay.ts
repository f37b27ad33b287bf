// When to come back after a close that says "this server is going or overloaded" (docs/protocol.md,
// "Closes and refusals that matter to a resuming client"). One rule for both clients: a server that
// closes thousands of connections at once (a deploy) must not get them all back, on its survivors,
// in the same few hundred ms.

/** The default window, in ms, over which clients closed together spread their return. */
export const RESTART_DELAY = 1000;

/**
 * @internal The delay before reconnecting after the server closed with `code`, spread uniformly
 * over `window` ms so that clients closed in the same instant come back spread out: 1001 (going
 * away) and 1012 (service restart) wait from 0 to `window`; 1013 (try again later: overloaded, or
 * this client fell too far behind) from `window` to twice it, since coming back sooner would meet
 * the same condition. Undefined for every other code: the caller's backoff applies.
 */
export function delayAfterClose(code: number, window: number, random: () => number = Math.random): number | undefined {
  if (code === 1001 || code === 1012) return Math.round(window * random());
  if (code === 1013) return Math.round(window * (1 + random()));
  return undefined;
}
