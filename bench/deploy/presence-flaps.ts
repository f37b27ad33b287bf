// Flaps, counted from the member events each subscriber's `onPresence` heard (bench/deploy/presence-recorder.ts
// feeds them in, in the order they arrived).
//
// What counts: a **flap** is a `leave` of a member (a topic and key) followed, for the same
// subscriber, by a `join` of the same member. In this scenario no member ever leaves for real (every
// client stays connected, or reconnecting, until the report), so every leave a subscriber hears is
// a member that still had a connection, or got one back: a leave then a join is one flap, however
// long the member looked away (`awayMs`, which the report compares with the grace). A leave with no
// join after it by the report is "still away" (a member that never came back, or a subscriber that
// had not yet heard it). Updates (a member's metas changing while it stays present: a tab moving to
// another server within the grace) are not flaps. A flap belongs to the phase its leave was heard in.
//
// Kept per subscriber and member: only the time of a pending leave; each flap as it is closed.
import type { LedgerRequest, PresenceFlapPhase, PresenceLedger } from './contract.js';

export type MemberChange = 'join' | 'leave' | 'update';

interface Flap {
  member: string;
  leaveAt: number;
  awayMs: number;
}

/** A subscriber and a member, as one map key. */
function pendingKey(client: number, member: string): string {
  return `${client}\u0000${member}`;
}

export class FlapCounter {
  /** Per subscriber and member with a leave not yet followed by a join: when it was heard. */
  readonly #away = new Map<string, { member: string; at: number }>();
  readonly #flaps: Flap[] = [];

  /** Subscriber `client` heard member `key` of `topic` join, leave or update at `at`. */
  record(client: number, topic: string, key: string, change: MemberChange, at: number): void {
    if (change === 'update') return;
    const member = `${topic}/${key}`;
    const pending = pendingKey(client, member);
    if (change === 'leave') {
      this.#away.set(pending, { member, at });
      return;
    }
    const leave = this.#away.get(pending);
    if (leave === undefined) return;
    this.#away.delete(pending);
    this.#flaps.push({ member, leaveAt: leave.at, awayMs: at - leave.at });
  }

  /** The flaps and the leaves still pending, per phase of `request` (each holds the times up to its `endAt`; the last one everything after). */
  report(request: Pick<LedgerRequest, 'phases'>): PresenceLedger {
    const { phases } = request;
    const result: Record<string, PresenceFlapPhase> = {};
    const members: Record<string, Set<string>> = {};
    for (const phase of phases) {
      result[phase.name] = { flaps: 0, members: [], awayMaxMs: 0, stillAway: 0 };
      members[phase.name] = new Set();
    }
    const phaseOf = (at: number): string | undefined => (phases.find((phase) => at <= phase.endAt) ?? phases.at(-1))?.name;
    for (const flap of this.#flaps) {
      const name = phaseOf(flap.leaveAt);
      if (name === undefined) continue;
      const phase = result[name]!;
      phase.flaps++;
      phase.awayMaxMs = Math.max(phase.awayMaxMs, flap.awayMs);
      members[name]!.add(flap.member);
    }
    for (const { at } of this.#away.values()) {
      const name = phaseOf(at);
      if (name !== undefined) result[name]!.stillAway++;
    }
    for (const [name, phase] of Object.entries(result)) phase.members = [...members[name]!].sort();
    return { phases: result };
  }
}

/** The loads' flap ledgers as one: counts added, members merged (a member may flap for subscribers of several loads). */
export function mergePresenceLedgers(ledgers: PresenceLedger[]): PresenceLedger {
  const merged: PresenceLedger = { phases: {} };
  for (const ledger of ledgers) {
    for (const [name, phase] of Object.entries(ledger.phases)) {
      const into: PresenceFlapPhase = (merged.phases[name] ??= { flaps: 0, members: [], awayMaxMs: 0, stillAway: 0 });
      into.flaps += phase.flaps;
      into.stillAway += phase.stillAway;
      into.awayMaxMs = Math.max(into.awayMaxMs, phase.awayMaxMs);
      into.members = [...new Set([...into.members, ...phase.members])].sort();
    }
    if (ledger.lists === undefined) continue;
    const lists = (merged.lists ??= { lists: 0, matching: 0, extraMetas: 0, missingMetas: 0 });
    for (const key of Object.keys(lists) as (keyof typeof lists)[]) lists[key] += ledger.lists[key];
  }
  return merged;
}
