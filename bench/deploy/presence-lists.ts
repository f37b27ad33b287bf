// The end-of-run check of --presence: once every client is back and the graces and the crash's lease
// are over, each subscriber's list (`client.presence(topic)`) should hold every member of its topic
// with one meta per tab that is connected: nothing stale (a meta of a connection that closed long ago,
// which a leave never removed), nothing missing.
import type { PresenceMembers } from '../../src/index.js';
import { topicsOf, type PresenceListCheck } from './contract.js';

/** The metas each topic should list at the end, per member key: every client is a tab of `user-<i mod members>` (contract.ts, "Presence"). */
export function expectedMetas(members: number, perClient: number, topics: number): Map<string, Map<string, number>> {
  const expected = new Map<string, Map<string, number>>();
  for (let client = 0; client < members * 2; client++) {
    for (const topic of topicsOf(client, perClient, topics)) {
      let keys = expected.get(topic);
      if (keys === undefined) expected.set(topic, (keys = new Map()));
      const key = `user-${client % members}`;
      keys.set(key, (keys.get(key) ?? 0) + 1);
    }
  }
  return expected;
}

/** Compares each subscriber's list of each of its topics with `expected`. */
export function checkLists(lists: { topic: string; members: PresenceMembers }[], expected: Map<string, Map<string, number>>): PresenceListCheck {
  const check: PresenceListCheck = { lists: 0, matching: 0, extraMetas: 0, missingMetas: 0 };
  for (const { topic, members } of lists) {
    const want = expected.get(topic) ?? new Map<string, number>();
    let extra = 0;
    let missing = 0;
    for (const key of new Set([...want.keys(), ...Object.keys(members)])) {
      const difference = (members[key]?.length ?? 0) - (want.get(key) ?? 0);
      if (difference > 0) extra += difference;
      else missing -= difference;
    }
    check.lists++;
    if (extra === 0 && missing === 0) check.matching++;
    check.extraMetas += extra;
    check.missingMetas += missing;
  }
  return check;
}
