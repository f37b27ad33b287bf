import { describe, expect, it } from 'vitest';
import { FlapCounter, mergePresenceLedgers } from '../../bench/deploy/presence-flaps.js';

// The deploy scenario's flap count (bench/deploy/presence-flaps.ts): a leave of a member followed,
// for the same subscriber, by its join. Phase 'a' ends at time 100, 'b' at 200.
const phases = [
  { name: 'a', lastSeqs: {}, endAt: 100 },
  { name: 'b', lastSeqs: {}, endAt: 200 },
];

describe('the deploy flap count', () => {
  it('counts a leave then a join of the same member by one subscriber as a flap, in the phase of the leave, with the time away', () => {
    const counter = new FlapCounter();
    counter.record(1, 't', 'alice', 'join', 10);
    counter.record(1, 't', 'alice', 'leave', 90);
    counter.record(1, 't', 'alice', 'join', 130);
    expect(counter.report({ phases }).phases).toEqual({
      a: { flaps: 1, members: ['t/alice'], awayMaxMs: 40, stillAway: 0 },
      b: { flaps: 0, members: [], awayMaxMs: 0, stillAway: 0 },
    });
  });

  it('does not count updates, first joins, a join heard by another subscriber, or another topic\'s join', () => {
    const counter = new FlapCounter();
    counter.record(1, 't', 'alice', 'join', 10);
    counter.record(1, 't', 'alice', 'update', 20);
    counter.record(1, 't', 'alice', 'leave', 30);
    counter.record(2, 't', 'alice', 'join', 40);
    counter.record(1, 'u', 'alice', 'join', 50);
    const { a } = counter.report({ phases }).phases;
    // Subscriber 1 never heard alice of t come back: still away.
    expect(a).toEqual({ flaps: 0, members: [], awayMaxMs: 0, stillAway: 1 });
  });

  it('counts every flap of every subscriber, a member once per phase, and leaves after the last phase in it', () => {
    const counter = new FlapCounter();
    for (const client of [1, 2]) {
      counter.record(client, 't', 'alice', 'leave', 120);
      counter.record(client, 't', 'alice', 'join', 125 + client * 10);
    }
    counter.record(1, 't', 'alice', 'leave', 300);
    const { b } = counter.report({ phases }).phases;
    expect(b).toEqual({ flaps: 2, members: ['t/alice'], awayMaxMs: 25, stillAway: 1 });
  });

  it('merges the loads\' ledgers: counts added, members once, the longest time away, the list checks summed', () => {
    const one = { phases: { a: { flaps: 2, members: ['t/alice'], awayMaxMs: 40, stillAway: 0 } }, lists: { lists: 3, matching: 3, extraMetas: 0, missingMetas: 0 } };
    const two = { phases: { a: { flaps: 1, members: ['t/alice', 't/bob'], awayMaxMs: 70, stillAway: 1 } }, lists: { lists: 2, matching: 1, extraMetas: 2, missingMetas: 0 } };
    expect(mergePresenceLedgers([one, two])).toEqual({
      phases: { a: { flaps: 3, members: ['t/alice', 't/bob'], awayMaxMs: 70, stillAway: 1 } },
      lists: { lists: 5, matching: 4, extraMetas: 2, missingMetas: 0 },
    });
  });
});
