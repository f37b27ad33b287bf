import { randomBytes } from 'node:crypto';
import { UpsocketError, type Connection } from '../core/index.js';
import type { PresenceMembers } from '../wire/index.js';
import type { PresenceBackend, PresenceChange, PresenceEntry, PresenceLeave, PresenceSync } from './presence-backend.js';
import { endTracking, jsonMeta, PresenceTracking, type TrackingOwner } from './presence-tracking.js';
import { TopicPresence } from './topic-presence.js';

function noop(): void {}

/** The key of `#heldByKey`: a topic and a member key (NUL is in neither in practice, and a clash only ends a grace early). */
function heldKey(topic: string, key: string): string {
  return `${topic}\u0000${key}`;
}

/** This process's changes of one topic not yet given to the backend. */
interface Outgoing {
  joins: Map<string, PresenceEntry>;
  leaves: Map<string, PresenceLeave>;
}

/** A tracking whose connection closed: listed until `until`, unless its key is tracked again here. */
interface Held {
  timer: ReturnType<typeof setTimeout>;
  until: number;
}

/**
 * @internal Presence for one `Topics`: this process's trackings (under refs `<process>.<n>`), the
 * topics with presence subscribers here (`TopicPresence`, each a replica of every process's
 * members), and the backend's side. Created on first use: topics without presence pay nothing.
 */
export class Presence implements TrackingOwner {
  /** This process's id among those sharing the backend: fresh per `Topics`. */
  readonly process = randomBytes(6).toString('base64url');
  readonly #backend: PresenceBackend | undefined;
  readonly #settings: { process: string; interval: number; maxBufferedAmount: number };
  readonly #grace: number;
  #refs = 0;
  #seq = 0;
  /** This process's trackings per topic, by ref (held ones included: they are still listed). */
  readonly #tracked = new Map<string, Map<string, PresenceTracking>>();
  readonly #held = new Map<PresenceTracking, Held>();
  /** The held trackings by topic and key, for a track of the key to end them. */
  readonly #heldByKey = new Map<string, Set<PresenceTracking>>();
  readonly #byConnection = new WeakMap<Connection, Set<PresenceTracking>>();
  readonly #connectionOf = new WeakMap<PresenceTracking, Connection>();
  readonly #topics = new Map<string, TopicPresence>();
  readonly #outgoing = new Map<string, Outgoing>();
  #outgoingTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(backend: PresenceBackend | undefined, settings: { interval: number; grace: number; maxBufferedAmount: number }) {
    this.#backend = backend;
    this.#grace = settings.grace;
    this.#settings = { process: this.process, interval: settings.interval, maxBufferedAmount: settings.maxBufferedAmount };
    backend?.start(this.process, (topic, event) => this.#topics.get(topic)?.receive(event));
  }

  track(connection: Connection, topic: string, key: string, meta: unknown): PresenceTracking {
    if (typeof key !== 'string' || key === '') {
      throw new UpsocketError('UPSOCKET_INVALID_OPTION', `topics.track(): key must be a non-empty string (the member, e.g. a user id), got ${key === '' ? "''" : typeof key}`);
    }
    const value = jsonMeta(meta, 'topics.track()');
    const ref = `${this.process}.${++this.#refs}`;
    const open = connection.state === 'open';
    const tracking = new PresenceTracking(this, topic, key, ref, value, open);
    if (!open) return tracking;
    // A meta of this key held after its connection closed: the member is back, so it goes now, in the same diff.
    const held = this.#heldByKey.get(heldKey(topic, key));
    if (held !== undefined) for (const other of held) this.untrack(other);
    let refs = this.#tracked.get(topic);
    if (refs === undefined) this.#tracked.set(topic, (refs = new Map()));
    refs.set(ref, tracking);
    let trackings = this.#byConnection.get(connection);
    if (trackings === undefined) {
      this.#byConnection.set(connection, (trackings = new Set()));
      void connection.closed.then(() => this.#connectionClosed(connection));
    }
    trackings.add(tracking);
    this.#connectionOf.set(tracking, connection);
    this.#join(tracking);
    return tracking;
  }

  update(tracking: PresenceTracking): void {
    if (this.#closed) return;
    this.#join(tracking);
  }

  untrack(tracking: PresenceTracking): void {
    if (this.#closed) return;
    const held = this.#held.get(tracking);
    if (held !== undefined) clearTimeout(held.timer);
    this.#leave(tracking);
  }

  /** The members of `topic` across every process. */
  async members(topic: string): Promise<PresenceMembers> {
    const local = this.#topics.get(topic);
    if (local !== undefined) {
      await local.ready;
      return local.view.members();
    }
    const own = this.#entries(topic);
    const syncs: PresenceSync[] = this.#backend === undefined ? [] : await this.#backend.state(topic);
    const members: PresenceMembers = {};
    const add = ({ key, ref, meta }: PresenceEntry): void => void (members[key] ??= []).push({ ref, meta });
    for (const sync of syncs) if (sync.process !== this.process) sync.entries.forEach(add);
    own.forEach(add);
    return members;
  }

  /** Sends `connection` the presence of `topic`: its state once known, then diffs. */
  subscribe(connection: Connection, topic: string): Promise<void> {
    let local = this.#topics.get(topic);
    if (local === undefined) {
      local = new TopicPresence(topic, this.#settings, this.#entries(topic), this.#backend);
      this.#topics.set(topic, local);
    }
    local.add(connection);
    return local.ready;
  }

  unsubscribe(connection: Connection, topic: string): void {
    const local = this.#topics.get(topic);
    if (local === undefined || !local.delete(connection) || local.size > 0) return;
    local.close();
    this.#topics.delete(topic);
    this.#backend?.unlisten(topic).catch(noop);
  }

  /**
   * Ends everything: held leaves go to the backend with the rest of their grace (they may be a
   * deploy's connections, rejoining elsewhere: the other processes, and a backend shared by
   * processes for later readers, keep them listed until it ends), and so do the trackings of
   * connections whose close began (a drain that does not wait for the closes), with a whole grace;
   * the others leave at once. Resolves once the backend took that last change (or failed to).
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    for (const local of this.#topics.values()) local.close();
    this.#topics.clear();
    const now = Date.now();
    for (const refs of this.#tracked.values()) {
      for (const tracking of refs.values()) {
        const held = this.#held.get(tracking);
        if (held !== undefined) clearTimeout(held.timer);
        this.#leave(tracking, this.#graceLeft(tracking, held, now));
      }
    }
    this.#closed = true;
    clearTimeout(this.#outgoingTimer);
    return this.#send().then(noop, noop);
  }

  /**
   * What is left of `tracking`'s grace when this process closes (undefined: none, it leaves at
   * once). A connection that is closing has not had its `closed` settle yet, so it is not held,
   * but it is a closed connection to its member: its grace starts now.
   */
  #graceLeft(tracking: PresenceTracking, held: Held | undefined, now: number): number | undefined {
    if (held !== undefined) return Math.max(0, held.until - now);
    const closing = this.#connectionOf.get(tracking)?.state !== 'open';
    return closing && this.#grace > 0 ? this.#grace : undefined;
  }

  #connectionClosed(connection: Connection): void {
    const trackings = this.#byConnection.get(connection);
    this.#byConnection.delete(connection);
    if (this.#closed || trackings === undefined) return;
    for (const tracking of trackings) {
      if (!tracking.tracked) continue;
      if (this.#grace === 0) {
        this.#leave(tracking);
        continue;
      }
      // Unref'd: a process with nothing else to do exits rather than wait for the grace (its lease ends it elsewhere).
      const timer = setTimeout(() => this.#leave(tracking), this.#grace).unref();
      this.#held.set(tracking, { timer, until: Date.now() + this.#grace });
      const key = heldKey(tracking.topic, tracking.key);
      let held = this.#heldByKey.get(key);
      if (held === undefined) this.#heldByKey.set(key, (held = new Set()));
      held.add(tracking);
    }
  }

  #join(tracking: PresenceTracking): void {
    const entry: PresenceEntry = { key: tracking.key, ref: tracking.ref, meta: tracking.meta };
    const local = this.#topics.get(tracking.topic);
    if (local !== undefined) {
      local.view.join(this.process, entry);
      local.changed();
    }
    const outgoing = this.#outgoingOf(tracking.topic);
    if (outgoing !== undefined) outgoing.joins.set(entry.ref, entry);
  }

  /** `tracking` is no longer listed here; the other processes hear of it (after `grace` ms, when given). */
  #leave(tracking: PresenceTracking, grace?: number): void {
    endTracking(tracking);
    // Its connection's set forgets it: a connection tracked and untracked often (typing) does not grow it.
    const connection = this.#connectionOf.get(tracking);
    if (connection !== undefined) this.#byConnection.get(connection)?.delete(tracking);
    if (this.#held.delete(tracking)) {
      const key = heldKey(tracking.topic, tracking.key);
      const held = this.#heldByKey.get(key);
      held?.delete(tracking);
      if (held?.size === 0) this.#heldByKey.delete(key);
    }
    const refs = this.#tracked.get(tracking.topic);
    refs?.delete(tracking.ref);
    if (refs?.size === 0) this.#tracked.delete(tracking.topic);
    const local = this.#topics.get(tracking.topic);
    if (local !== undefined) {
      local.view.leave(this.process, tracking.ref);
      local.changed();
    }
    const outgoing = this.#outgoingOf(tracking.topic);
    if (outgoing === undefined) return;
    outgoing.joins.delete(tracking.ref);
    outgoing.leaves.set(tracking.ref, grace === undefined ? { key: tracking.key, ref: tracking.ref } : { key: tracking.key, ref: tracking.ref, grace });
  }

  /** This process's entries in `topic`. */
  #entries(topic: string): PresenceEntry[] {
    return [...(this.#tracked.get(topic)?.values() ?? [])].map(({ key, ref, meta }) => ({ key, ref, meta }));
  }

  /** The topic's changes waiting for the backend, sent once per interval; none without a backend's presence. */
  #outgoingOf(topic: string): Outgoing | undefined {
    if (this.#backend === undefined) return undefined;
    let outgoing = this.#outgoing.get(topic);
    if (outgoing === undefined) this.#outgoing.set(topic, (outgoing = { joins: new Map(), leaves: new Map() }));
    if (this.#outgoingTimer === undefined && !this.#closed) this.#outgoingTimer = setTimeout(() => void this.#send(), this.#settings.interval);
    return outgoing;
  }

  /** Gives the backend each topic's changes of the window, as one change per topic. */
  #send(): Promise<unknown> {
    this.#outgoingTimer = undefined;
    const backend = this.#backend;
    if (backend === undefined) return Promise.resolve();
    const sent: Promise<void>[] = [];
    for (const [topic, { joins, leaves }] of this.#outgoing) {
      if (joins.size === 0 && leaves.size === 0) continue;
      const change: PresenceChange = { process: this.process, seq: ++this.#seq, joins: [...joins.values()], leaves: [...leaves.values()] };
      // An outage is the backend's to report and to make up for (it resends this process's entries once back).
      sent.push(backend.publish(topic, change).catch(noop));
    }
    this.#outgoing.clear();
    return Promise.all(sent);
  }
}
