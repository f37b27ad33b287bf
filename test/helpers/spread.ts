// What "spread over a window" means in the reconnect tests: every delay inside [from, to], at least
// one in its first quarter and one in its last. For 40 uniform delays either quarter stays empty
// once in ~100,000 runs; a fixed backoff (250–500 ms) fails it.
import { expect } from 'vitest';

export function expectSpreadOver(delays: number[], from: number, to: number): void {
  const quarter = (to - from) / 4;
  expect(Math.min(...delays), `the shortest of ${delays.length} delays`).toBeLessThan(from + quarter);
  expect(Math.max(...delays), `the longest of ${delays.length} delays`).toBeGreaterThan(to - quarter);
  for (const delay of delays) {
    expect(delay).toBeGreaterThanOrEqual(from);
    expect(delay).toBeLessThanOrEqual(to);
  }
}

/** Every delay inside [from, to]: the backoff's first step. */
export function expectWithin(delays: number[], from: number, to: number): void {
  for (const delay of delays) {
    expect(delay).toBeGreaterThanOrEqual(from);
    expect(delay).toBeLessThanOrEqual(to);
  }
}
