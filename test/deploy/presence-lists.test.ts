import { describe, expect, it } from 'vitest';
import { checkLists, expectedMetas } from '../../bench/deploy/presence-lists.js';

// The deploy scenario's end-of-run check of the subscribers' presence lists (bench/deploy/presence-lists.ts).
describe('the deploy presence lists', () => {
  it('expects each member with one meta per tab: clients i and i + members in one topic when members is a multiple of the topics', () => {
    // 4 clients, 2 members, 2 topics: clients 0 and 2 are user-0 in t0, 1 and 3 user-1 in t1.
    expect(expectedMetas(2, 1, 2)).toEqual(new Map([['t0', new Map([['user-0', 2]])], ['t1', new Map([['user-1', 2]])]]));
  });

  it('counts a list as matching only with every tab and nothing more; stale and missing metas apart', () => {
    const expected = expectedMetas(2, 1, 2);
    const meta = (ref: string) => ({ ref, meta: null });
    expect(
      checkLists(
        [
          { topic: 't0', members: { 'user-0': [meta('a.1'), meta('b.1')] } },
          { topic: 't0', members: { 'user-0': [meta('a.1'), meta('b.1'), meta('old.1')] } },
          { topic: 't1', members: {} },
        ],
        expected,
      ),
    ).toEqual({ lists: 3, matching: 1, extraMetas: 1, missingMetas: 2 });
  });
});
