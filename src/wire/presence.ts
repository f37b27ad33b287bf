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
  | { kind: 'state'; topic: string; members: PresenceMembers }
  | { kind: 'diff'; topic: string; joins: PresenceMembers; leaves: PresenceMembers };

/** @internal The state frame; `members` is already JSON (the server encodes it once for every new subscriber of a tick). */
export function presenceStateText(topic: string, membersJson: string): string {
  return `{"topic":${JSON.stringify(topic)},"presence":"state","members":${membersJson}}`;
}

/** @internal A diff frame, encoded once for all the topic's presence subscribers. */
export function presenceDiffText(topic: string, joins: PresenceMembers, leaves: PresenceMembers): string {
  return `{"topic":${JSON.stringify(topic)},"presence":"diff","joins":${JSON.stringify(joins)},"leaves":${JSON.stringify(leaves)}}`;
}

/** An object of arrays (the server is trusted for the rest: this only tells a presence frame from an app's message). */
function isMembers(value: unknown): value is PresenceMembers {
  return typeof value === 'object' && value !== null && Object.values(value).every(Array.isArray);
}

/**
 * @internal A presence frame from an object `parseEnvelope()` already parsed (it has a string
 * `topic` and a `presence` key), or undefined when it is not one: strict on keys (their number,
 * the required ones being checked) and on the members' shape.
 */
export function presenceOf(value: Record<string, unknown>, topic: string): EnvelopePresence | undefined {
  const keys = Object.keys(value).length;
  const { presence, members, joins, leaves } = value;
  if (presence === 'state' && keys === 3 && isMembers(members)) return { kind: 'state', topic, members };
  if (presence === 'diff' && keys === 4 && isMembers(joins) && isMembers(leaves)) return { kind: 'diff', topic, joins, leaves };
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
    this.#members = new Map(Object.entries(members).map(([key, metas]) => [key, new Map(metas.map(({ ref, meta }) => [ref, meta]))]));
    return this.#changes(before, new Set([...before.keys(), ...this.#members.keys()]));
  }

  diff(joins: PresenceMembers, leaves: PresenceMembers): PresenceChangeOf[] {
    // The touched members as they were, then the leaves and joins applied by ref.
    const before = new Map<string, Map<string, unknown>>();
    for (const key of [...Object.keys(leaves), ...Object.keys(joins)]) before.set(key, new Map(this.#members.get(key)));
    for (const [key, metas] of Object.entries(leaves)) for (const { ref } of metas) this.#members.get(key)?.delete(ref);
    for (const [key, metas] of Object.entries(joins)) {
      let current = this.#members.get(key);
      if (current === undefined) this.#members.set(key, (current = new Map()));
      for (const { ref, meta } of metas) current.set(ref, meta);
    }
    return this.#changes(before, before.keys());
  }

  /** What happened to each of `keys` between `before` and now; members left with no meta are dropped. */
  #changes(before: Map<string, Map<string, unknown>>, keys: Iterable<string>): PresenceChangeOf[] {
    const changes: PresenceChangeOf[] = [];
    for (const key of keys) {
      const old = before.get(key) ?? new Map<string, unknown>();
      const now = this.#members.get(key) ?? new Map<string, unknown>();
      if (now.size === 0) this.#members.delete(key);
      const type = old.size === 0 ? (now.size > 0 ? 'join' : undefined) : now.size === 0 ? 'leave' : sameMetas(old, now) ? undefined : 'update';
      if (type !== undefined) changes.push({ type, key, metas: metasOf(type === 'leave' ? old : now) });
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
