import { describe, expect, it } from 'vitest';
import { Ledger } from '../../bench/deploy/ledger.js';

// The deploy scenario's ledger (bench/deploy/ledger.ts): what it counts from the seqs a client's
// app received, per phase. Phase 'a' holds seqs 1-10 of topic t (ending at time 100), 'b' 11-20.
const phases = [
  { name: 'a', lastSeqs: { t: 10 }, endAt: 100 },
  { name: 'b', lastSeqs: { t: 20 }, endAt: 200 },
];

function received(seqs: number[], gaps: { at: number; topic?: string }[] = []): Ledger {
  const ledger = new Ledger();
  for (const seq of seqs) ledger.receive(1, 't', seq);
  for (const gap of gaps) ledger.gap(1, gap.topic, gap.at);
  return ledger;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('the deploy ledger', () => {
  it('expects every seq from the first one received to the last published, and counts nothing else', () => {
    expect(received(range(4, 20)).report({ phases }).phases).toEqual({
      a: { expected: 7, received: 7, lost: 0, lostInGaps: 0, duplicated: 0, outOfOrder: 0, gaps: 0 },
      b: { expected: 10, received: 10, lost: 0, lostInGaps: 0, duplicated: 0, outOfOrder: 0, gaps: 0 },
    });
  });

  it('counts a skipped seq as lost in its phase, a late one as out of order, a repeated one as duplicated', () => {
    const seqs = [...range(1, 4), 6, 7, 5, 7, ...range(8, 12), 14, ...range(15, 18)];
    const { a, b } = received(seqs).report({ phases }).phases;
    expect(a).toMatchObject({ lost: 0, outOfOrder: 1, duplicated: 1 });
    // 13 skipped, 19 and 20 never came.
    expect(b).toMatchObject({ expected: 10, received: 7, lost: 3, lostInGaps: 0 });
  });

  it('counts a loss as told when the client heard of a gap on its topic (or of its whole session) within the phase', () => {
    const seqs = [...range(1, 12), ...range(15, 20)];
    expect(received(seqs, [{ at: 150, topic: 't' }]).report({ phases }).phases.b).toMatchObject({ lost: 2, lostInGaps: 2, gaps: 1 });
    expect(received(seqs, [{ at: 150 }]).report({ phases }).phases.b).toMatchObject({ lost: 2, lostInGaps: 2 });
    expect(received(seqs, [{ at: 150, topic: 'other' }]).report({ phases }).phases.b).toMatchObject({ lost: 2, lostInGaps: 0 });
    // Told in phase a, before the loss of phase b: not about it.
    expect(received(seqs, [{ at: 50, topic: 't' }]).report({ phases }).phases).toMatchObject({ a: { gaps: 1 }, b: { lost: 2, lostInGaps: 0 } });
  });
});
