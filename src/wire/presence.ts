// Presence frames (docs/protocol.md, "Presence"): who is in a topic, as envelope frames. The server
// sends a subscriber that asked for presence the topic's whole state once, then diffs:
//   {"topic":"room","presence":"state","members":{"alice":[{"ref":"k3x9.1","meta":{"name":"Alice"}}]}}
//   {"topic":"room","presence":"diff","joins":{"bob":[{"ref":"k3x9.2","meta":null}]},"leaves":{"alice":[{"ref":"k3x9.1","meta":{"name":"Alice"}}]}}
// A member (a key) has one meta per tracked connection, each named by its ref. In a diff, `joins`
// holds metas that are new or changed (same ref, new meta), `leaves` metas gone, with their last
// meta; a ref comes at most once per diff. PresenceList applies them on the client side.

/** One tracked connection of a member: its ref (unique) and its metadata (a JSON value). */
export interface PresenceMeta {
  ref: string;
  meta: unknown;
}

/** A topic's members: each key with its metas (one per tracked connection). */
export type PresenceMembers = Record<string, PresenceMeta[]>;

/** @internal A parsed presence frame. */
export type EnvelopePresence =
  | { kind: 'presence-state'; topic: string; members: PresenceMembers }
  | { kind: 'presence-diff'; topic: string; joins: PresenceMembers; leaves: PresenceMembers };

/** @internal The state frame; `members` is already JSON (the server encodes it once for every new subscriber of a tick). */
export function presenceStateText(topic: string, membersJson: string): string {
  return `{"topic":${JSON.stringify(topic)},"presence":"state","members":${membersJson}}`;
}

/** @internal A diff frame, encoded once for all the topic's presence subscribers. */
export function presenceDiffText(topic: string, joins: PresenceMembers, leaves: PresenceMembers): string {
  return `{"topic":${JSON.stringify(topic)},"presence":"diff","joins":${JSON.stringify(joins)},"leaves":${JSON.stringify(leaves)}}`;
}

const stateKeys = new Set(['topic', 'presence', 'members']);
const diffKeys = new Set(['topic', 'presence', 'joins', 'leaves']);

function isMembers(value: unknown): value is PresenceMembers {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const metas of Object.values(value)) {
    if (!Array.isArray(metas)) return false;
    for (const meta of metas) if (typeof meta !== 'object' || meta === null || typeof (meta as PresenceMeta).ref !== 'string') return false;
  }
  return true;
}

/**
 * @internal A presence frame from an object `parseEnvelope()` already parsed (it has a string
 * `topic` and a `presence` key), or undefined when it is not one (strict on keys and shapes).
 */
export function presenceOf(value: Record<string, unknown>, topic: string): EnvelopePresence | undefined {
  const keys = Object.keys(value);
  if (value.presence === 'state') {
    if (!keys.every((key) => stateKeys.has(key)) || !isMembers(value.members)) return undefined;
    return { kind: 'presence-state', topic, members: value.members };
  }
  if (value.presence === 'diff') {
    if (!keys.every((key) => diffKeys.has(key)) || !isMembers(value.joins) || !isMembers(value.leaves)) return undefined;
    return { kind: 'presence-diff', topic, joins: value.joins, leaves: value.leaves };
  }
  return undefined;
}

/** What happened to one member: it appeared, its metas changed, or its last meta went. */
export interface PresenceChangeOf {
  type: 'join' | 'leave' | 'update';
  key: string;
  /** The member's metas now (for a leave: the ones it had). */
  metas: PresenceMeta[];
}

/**
 * @internal A client's copy of one topic's members, kept by applying the server's state and diff
 * frames. Each returns the member-level changes: `join` when a key gets its first meta, `leave` when
 * its last one goes, `update` when a present member's metas change. A state (the first after a
 * subscribe or a reconnect) replaces the list and returns what differs from the old one.
 */
export class PresenceList {
  #members = new Map<string, Map<string, unknown>>();

  /** A copy of the members: `{ key: [{ ref, meta }] }`. */
  get members(): PresenceMembers {
    const members: PresenceMembers = {};
    for (const [key, metas] of this.#members) members[key] = metasOf(metas);
    return members;
  }

  state(members: PresenceMembers): PresenceChangeOf[] {
    const before = this.#members;
    this.#members = new Map();
    for (const [key, metas] of Object.entries(members)) if (metas.length > 0) this.#members.set(key, new Map(metas.map(({ ref, meta }) => [ref, meta])));
    const changes: PresenceChangeOf[] = [];
    for (const [key, metas] of this.#members) {
      const old = before.get(key);
      if (old === undefined) changes.push({ type: 'join', key, metas: metasOf(metas) });
      else if (!sameMetas(old, metas)) changes.push({ type: 'update', key, metas: metasOf(metas) });
    }
    for (const [key, metas] of before) if (!this.#members.has(key)) changes.push({ type: 'leave', key, metas: metasOf(metas) });
    return changes;
  }

  diff(joins: PresenceMembers, leaves: PresenceMembers): PresenceChangeOf[] {
    const touched = new Map<string, Map<string, unknown> | undefined>();
    const metasFor = (key: string): Map<string, unknown> => {
      let metas = this.#members.get(key);
      if (!touched.has(key)) touched.set(key, metas === undefined ? undefined : new Map(metas));
      if (metas === undefined) this.#members.set(key, (metas = new Map()));
      return metas;
    };
    for (const [key, metas] of Object.entries(leaves)) {
      if (!this.#members.has(key)) continue;
      const current = metasFor(key);
      for (const { ref } of metas) current.delete(ref);
    }
    for (const [key, metas] of Object.entries(joins)) {
      const current = metasFor(key);
      for (const { ref, meta } of metas) current.set(ref, meta);
    }
    const changes: PresenceChangeOf[] = [];
    for (const [key, old] of touched) {
      const metas = this.#members.get(key)!;
      if (metas.size === 0) this.#members.delete(key);
      if (old === undefined || old.size === 0) {
        if (metas.size > 0) changes.push({ type: 'join', key, metas: metasOf(metas) });
      } else if (metas.size === 0) changes.push({ type: 'leave', key, metas: metasOf(old) });
      else if (!sameMetas(old, metas)) changes.push({ type: 'update', key, metas: metasOf(metas) });
    }
    return changes;
  }
}

function metasOf(metas: Map<string, unknown>): PresenceMeta[] {
  return [...metas].map(([ref, meta]) => ({ ref, meta }));
}

/** Same refs with the same metas (compared as JSON: they came as JSON). */
function sameMetas(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const [ref, meta] of a) if (!b.has(ref) || JSON.stringify(b.get(ref)) !== JSON.stringify(meta)) return false;
  return true;
}
