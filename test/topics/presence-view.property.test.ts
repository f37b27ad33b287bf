// Property: however joins, updates, leaves and whole-process syncs interleave with subscribers
// coming (each takes the flushed state) and flushes (each diff goes to every subscriber there),
// every subscriber's list (the wire module's PresenceList, as both clients keep it) equals the
// view's members after each flush: nothing lost, nothing doubled at the state → diff seam.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PresenceView } from '../../src/topics/presence-view.js';
import { PresenceList, type PresenceMembers } from '../../src/wire/index.js';

type Op =
  | { op: 'join'; process: number; key: number; meta: number }
  | { op: 'update'; pick: number; meta: number }
  | { op: 'leave'; pick: number }
  | { op: 'sync'; process: number; keep: number; meta: number }
  | { op: 'subscribe' }
  | { op: 'flush' };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('join' as const), process: fc.integer({ min: 0, max: 2 }), key: fc.integer({ min: 0, max: 4 }), meta: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ op: fc.constant('update' as const), pick: fc.nat(), meta: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ op: fc.constant('leave' as const), pick: fc.nat() }),
    fc.record({ op: fc.constant('sync' as const), process: fc.integer({ min: 0, max: 2 }), keep: fc.nat(), meta: fc.integer({ min: 0, max: 3 }) }),
    fc.constant({ op: 'subscribe' as const }),
    fc.constant({ op: 'flush' as const }),
  ),
  { maxLength: 60 },
);

/** Members with keys and metas in one order, for comparing. */
function normal(members: PresenceMembers): string {
  return JSON.stringify(
    Object.entries(members)
      .map(([key, metas]) => [key, [...metas].sort((a, b) => a.ref.localeCompare(b.ref))] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

describe('PresenceView and PresenceList', () => {
  it('a subscriber that takes the flushed state, then every diff, always has the view’s members', () => {
    fc.assert(
      fc.property(ops, (plan) => {
        const view = new PresenceView();
        const subscribers: PresenceList[] = [];
        /** Live entries: process, ref, key. */
        const live: { process: string; ref: string; key: string }[] = [];
        let refs = 0;
        let seq = 0;
        const flush = (): void => {
          const diff = view.takeDiff();
          if (diff !== undefined) for (const list of subscribers) list.diff(diff.joins, diff.leaves);
          for (const list of subscribers) expect(normal(list.members)).toBe(normal(view.members()));
        };
        for (const step of plan) {
          if (step.op === 'join') {
            const entry = { process: `p${step.process}`, ref: `p${step.process}.${++refs}`, key: `k${step.key}` };
            live.push(entry);
            view.join(entry.process, { key: entry.key, ref: entry.ref, meta: step.meta }, ++seq);
          } else if (step.op === 'update' && live.length > 0) {
            const entry = live[step.pick % live.length]!;
            view.join(entry.process, { key: entry.key, ref: entry.ref, meta: step.meta }, ++seq);
          } else if (step.op === 'leave' && live.length > 0) {
            const [entry] = live.splice(step.pick % live.length, 1);
            view.leave(entry!.process, entry!.ref, ++seq);
          } else if (step.op === 'sync') {
            // The process's entries now: some of its live ones (one with a new meta), the rest gone.
            const process = `p${step.process}`;
            const mine = live.filter((entry) => entry.process === process);
            const kept = mine.filter((_, index) => (step.keep >> index) % 2 === 0);
            for (const entry of mine) if (!kept.includes(entry)) live.splice(live.indexOf(entry), 1);
            view.replace(process, ++seq, kept.map((entry, index) => ({ key: entry.key, ref: entry.ref, meta: index === 0 ? step.meta : view.members()[entry.key]!.find(({ ref }) => ref === entry.ref)!.meta })));
          } else if (step.op === 'subscribe') {
            const list = new PresenceList();
            list.state(JSON.parse(view.flushedStateJson()) as PresenceMembers);
            subscribers.push(list);
          } else if (step.op === 'flush') {
            flush();
          }
        }
        flush();
      }),
      { numRuns: 500 },
    );
  });
});
