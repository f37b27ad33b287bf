// The rule both clients follow after a close (docs/protocol.md, "Closes and refusals that matter to
// a resuming client"): how long to wait, by close code. Pure, so tested with a fixed random().
import { describe, expect, it } from 'vitest';
import { delayAfterClose } from '../../src/wire/index.js';

describe('delayAfterClose()', () => {
  it('spreads 1001 and 1012 over 0–window, 1013 over window–2×window, and leaves other codes to the backoff', () => {
    expect([0, 0.5, 1].map((r) => delayAfterClose(1012, 1000, () => r))).toEqual([0, 500, 1000]);
    expect([0, 0.5, 1].map((r) => delayAfterClose(1001, 1000, () => r))).toEqual([0, 500, 1000]);
    expect([0, 0.5, 1].map((r) => delayAfterClose(1013, 1000, () => r))).toEqual([1000, 1500, 2000]);
    for (const code of [1000, 1006, 1008, 1009, 1011, 4000]) expect(delayAfterClose(code, 1000)).toBeUndefined();
  });
});
