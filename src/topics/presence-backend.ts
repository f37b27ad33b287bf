// The presence part of a backend (docs/presence.md, "A backend's presence"): what a TopicBackend
// must do so that every process sees the same members of a topic. Optional: a backend without
// `presence` supports presence in one process only.

/**
 * One tracked connection in a topic: the member it belongs to (`key`, chosen by the app, e.g. a
 * user id), its `ref` (unique across processes and time: `<process>.<n>`), and its metadata, a
 * JSON value.
 */
export interface PresenceEntry {
  key: string;
  ref: string;
  meta: unknown;
}

/** An entry that went away: its member's key and its ref. */
export interface PresenceLeave {
  key: string;
  ref: string;
  /**
   * When set, receivers apply the leave only after this many ms (the rest of the owner's grace
   * period: sent when a process closes its topics while connections' leaves were still held back).
   */
  grace?: number | undefined;
}

/**
 * What one process changed in one topic: entries that joined or whose meta changed (same ref,
 * new meta), and entries that left. `seq` grows with every change a process publishes (across all
 * its topics), so a receiver can place a change against a `PresenceSync` of the same process.
 */
export interface PresenceChange {
  process: string;
  seq: number;
  joins: PresenceEntry[];
  leaves: PresenceLeave[];
}

/**
 * Every entry one process has in one topic, as of its change `seq`: replaces what a receiver
 * holds for that process. `entries: []` removes the process (its lease lapsed, or it closed).
 */
export interface PresenceSync {
  process: string;
  seq: number;
  entries: PresenceEntry[];
  /**
   * Entries among `entries` that leave after their `grace` (ms from now): the leaves a process held
   * back when it closed, still in their grace. A receiver lists them until then, as it does a
   * change's leave with a `grace`. Only in `state()`'s answers.
   */
  leaving?: PresenceLeave[] | undefined;
}

/** Receives the other processes' presence events of the topics listened to. */
export type PresenceListener = (topic: string, event: PresenceChange | PresenceSync) => void;

/**
 * The presence part of a `TopicBackend` (its `presence` property). `Topics` keeps, per topic with
 * presence subscribers, a replica of every process's entries, built from `state()` and kept up to
 * date by the listener; it tracks this process's own entries itself and tells the backend of each
 * change with `publish()`.
 *
 * The contract:
 * - `start(process, listener)` is called once, by `createTopics()`, before any other presence call.
 *   `process` is this process's id (unique per `Topics` instance, the prefix of its refs).
 * - `publish(topic, change)` records this process's change in the service, under this process's
 *   liveness lease, and sends it to the other processes that listen to `topic` (never back to this
 *   one). Changes of one process reach each listener in `seq` order, at most once. The promise
 *   rejects with `UPSOCKET_BACKEND_UNAVAILABLE` when the service could not take it; the backend
 *   then keeps this process's entries (it applies every change it is given, taken or not) and, once
 *   the service is back, publishes them whole as a `PresenceSync`, so every process converges.
 * - Liveness: the backend renews this process's lease while it runs. Entries of a process whose
 *   lease lapsed (it died without closing: SIGKILL, a lost host) are removed from the service and
 *   every listening process receives `{ process, seq, entries: [] }`, within the bound the backend
 *   documents (lease length + sweep interval).
 * - `listen(topic)` / `unlisten(topic)`: from when `listen()` resolves, the listener receives the
 *   other processes' changes of `topic`. A backend that may have missed some (its subscriber
 *   connection dropped) sends a `PresenceSync` of each process of the topic once it is back.
 * - `state(topic)` resolves to one `PresenceSync` per process with entries in `topic`, this one's
 *   included (its `seq` is the seq of the last change of the process the answer reflects). A
 *   process that closed with leaves still in their grace (a published change's leaves with a
 *   `grace`) is in it until that grace ends, those entries in its `leaving`, so that a process
 *   reading the state later lists them as the listeners did, and drops them when the grace ends. `Topics`
 *   listens first, holds the events that arrive while `state()` runs, then applies the answer and
 *   the held events newer than it (`seq` greater than the answer's for their process), so nothing
 *   falls between the two.
 * - `close()` of the backend removes this process's entries from the service and tells the others
 *   (after `Topics` published its last change, whose leaves may carry a `grace`: those stay in
 *   `state()` until their grace ends, and then nothing of them stays in the service).
 *
 * The memory backend's presence has no other process: it keeps nothing and `state()` answers `[]`
 * (`Topics` keeps this process's entries itself and leaves its own sync out of every answer).
 *
 * @example
 * const backend = createMemoryBackend()
 * backend.presence?.start('p1', (topic, event) => console.log(topic, event))
 */
export interface PresenceBackend {
  start(process: string, listener: PresenceListener): void;
  publish(topic: string, change: PresenceChange): Promise<void>;
  listen(topic: string): Promise<void>;
  unlisten(topic: string): Promise<void>;
  state(topic: string): Promise<PresenceSync[]>;
}

/** @internal Whether a listener's event is a whole process's entries rather than a change. */
export function isSync(event: PresenceChange | PresenceSync): event is PresenceSync {
  return (event as PresenceSync).entries !== undefined;
}

/**
 * @internal Applies one of this process's changes to `own` (its entries per topic, by ref), as a
 * backend shared by processes keeps them to rewrite them whole (a new lease, an outage): leaves
 * first, then joins; a topic with no entry left is dropped.
 */
export function applyOwnChange(own: Map<string, Map<string, PresenceEntry>>, topic: string, change: PresenceChange): void {
  let entries = own.get(topic);
  for (const leave of change.leaves) entries?.delete(leave.ref);
  if (change.joins.length > 0) {
    if (entries === undefined) own.set(topic, (entries = new Map()));
    for (const entry of change.joins) entries.set(entry.ref, entry);
  }
  if (entries?.size === 0) own.delete(topic);
}
