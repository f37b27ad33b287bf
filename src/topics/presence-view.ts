import type { PresenceMembers } from '../wire/index.js';
import type { PresenceEntry } from './presence-backend.js';

/** A ref's meta before the window's first change of it: none when it was not listed. */
const ABSENT: unique symbol = Symbol('absent');
type Before = unknown | typeof ABSENT;

/**
 * @internal One topic's members as this process sees them (every process's entries), and the
 * changes since the last diff. The *flushed* view (what the diffs so far told subscribers) only
 * changes when a diff is taken, so a subscriber that gets the flushed state, then the next diff,
 * has every change exactly once however many changes the window holds.
 */
export class PresenceView {
  /** Each process's entries, by ref, and the seq of the last change applied from it. */
  readonly #byProcess = new Map<string, { seq: number; entries: Map<string, PresenceEntry> }>();
  /** The same entries by member key. */
  readonly #byKey = new Map<string, Map<string, unknown>>();
  /** Refs changed since the last diff, with their key and meta before the first change. */
  #pending = new Map<string, { key: string; before: Before }>();
  #flushedState: string | undefined;

  get changed(): boolean {
    return this.#pending.size > 0;
  }

  /** The seq of the last change applied from `process` (-1 when none). */
  seqOf(process: string): number {
    return this.#byProcess.get(process)?.seq ?? -1;
  }

  /** Adds `entry` of `process`, or replaces its meta (same ref). */
  join(process: string, entry: PresenceEntry, seq?: number): void {
    const owner = this.#owner(process, seq);
    const old = owner.entries.get(entry.ref);
    this.#note(entry.ref, entry.key, old === undefined ? ABSENT : old.meta);
    owner.entries.set(entry.ref, entry);
    let metas = this.#byKey.get(entry.key);
    if (metas === undefined) this.#byKey.set(entry.key, (metas = new Map()));
    metas.set(entry.ref, entry.meta);
  }

  /** Removes `ref` of `process`; nothing when it is not listed. */
  leave(process: string, ref: string, seq?: number): void {
    const owner = this.#owner(process, seq);
    const old = owner.entries.get(ref);
    if (old === undefined) return;
    this.#note(ref, old.key, old.meta);
    owner.entries.delete(ref);
    const metas = this.#byKey.get(old.key)!;
    metas.delete(ref);
    if (metas.size === 0) this.#byKey.delete(old.key);
  }

  /** Replaces every entry of `process` with `entries` (a `PresenceSync`); a ref keeps its key for life. */
  replace(process: string, seq: number, entries: PresenceEntry[]): void {
    // The owner stays when emptied: its seq tells later, older changes of it from newer ones.
    const owner = this.#owner(process, seq);
    const keep = new Set(entries.map((entry) => entry.ref));
    for (const ref of [...owner.entries.keys()]) if (!keep.has(ref)) this.leave(process, ref);
    for (const entry of entries) {
      const old = owner.entries.get(entry.ref);
      if (old === undefined || JSON.stringify(old.meta) !== JSON.stringify(entry.meta)) this.join(process, entry);
    }
  }

  /** The members now (pending changes included). */
  members(): PresenceMembers {
    const members: PresenceMembers = {};
    for (const [key, metas] of this.#byKey) members[key] = [...metas].map(([ref, meta]) => ({ ref, meta }));
    return members;
  }

  /** The flushed members as JSON: the state a new subscriber gets before the next diff. Encoded once per window. */
  flushedStateJson(): string {
    if (this.#flushedState !== undefined) return this.#flushedState;
    const members = new Map<string, Map<string, unknown>>();
    for (const [key, metas] of this.#byKey) members.set(key, new Map(metas));
    for (const [ref, { key, before }] of this.#pending) {
      const now = this.#byKey.get(key);
      if (now?.has(ref)) members.get(key)!.delete(ref);
      if (before === ABSENT) continue;
      let metas = members.get(key);
      if (metas === undefined) members.set(key, (metas = new Map()));
      metas.set(ref, before);
    }
    const state: PresenceMembers = {};
    for (const [key, metas] of members) if (metas.size > 0) state[key] = [...metas].map(([ref, meta]) => ({ ref, meta }));
    return (this.#flushedState = JSON.stringify(state));
  }

  /**
   * The window's changes as one diff (`undefined` when they cancel out: joined and left, updated
   * back), and a new window. A ref is in `joins` when it is listed now with another meta than
   * before (or none before), in `leaves` (with its last flushed meta) when it was listed and is not.
   */
  takeDiff(): { joins: PresenceMembers; leaves: PresenceMembers } | undefined {
    const pending = this.#pending;
    this.#pending = new Map();
    this.#flushedState = undefined;
    const joins: PresenceMembers = {};
    const leaves: PresenceMembers = {};
    let any = false;
    for (const [ref, { key, before }] of pending) {
      const metas = this.#byKey.get(key);
      if (metas?.has(ref)) {
        const meta = metas.get(ref);
        if (before !== ABSENT && JSON.stringify(before) === JSON.stringify(meta)) continue;
        (joins[key] ??= []).push({ ref, meta });
      } else {
        if (before === ABSENT) continue;
        (leaves[key] ??= []).push({ ref, meta: before });
      }
      any = true;
    }
    return any ? { joins, leaves } : undefined;
  }

  #owner(process: string, seq: number | undefined): { seq: number; entries: Map<string, PresenceEntry> } {
    let owner = this.#byProcess.get(process);
    if (owner === undefined) this.#byProcess.set(process, (owner = { seq: -1, entries: new Map() }));
    if (seq !== undefined && seq > owner.seq) owner.seq = seq;
    return owner;
  }

  /** Records `ref`'s meta before the window's first change of it. */
  #note(ref: string, key: string, before: Before): void {
    if (!this.#pending.has(ref)) this.#pending.set(ref, { key, before });
  }
}
