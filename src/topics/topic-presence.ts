import type { Connection } from '../core/index.js';
import { sendShared, SharedMessage } from '../core/internal.js';
import { presenceDiffText, presenceStateText } from '../wire/index.js';
import { isSync, type PresenceBackend, type PresenceChange, type PresenceEntry, type PresenceSync } from './presence-backend.js';
import { PresenceView } from './presence-view.js';
import { fanOut } from './topic-subscribers.js';

/**
 * @internal The presence of one topic in this process while connections here subscribe to it:
 * the members of every process (`PresenceView`), the presence subscribers, and the timer that
 * sends the window's changes as one diff. Exists only for topics with presence subscribers, so a
 * topic without them costs nothing.
 *
 * The seam with the backend: listen first, hold the other processes' events while `state()` runs,
 * then apply the answer and the held events newer than it (by each process's `seq`). Subscribers
 * that came meanwhile get their state once that is done.
 */
export class TopicPresence {
  readonly view = new PresenceView();
  /** Resolves once the other processes' entries are in the view (or could not be read). */
  readonly ready: Promise<void>;
  readonly #topic: string;
  readonly #process: string;
  readonly #interval: number;
  readonly #maxBufferedAmount: number;
  readonly #live = new Set<Connection>();
  /** Until ready: subscribers waiting for their state, and the other processes' events. */
  #waiting: Set<Connection> | undefined = new Set();
  #held: (PresenceChange | PresenceSync)[] | undefined = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Leaves other processes asked to apply later (`grace`). */
  readonly #delayed = new Set<ReturnType<typeof setTimeout>>();
  /** The state frame of the current window, shared by the subscribers that come during it. */
  #state: { json: string; shared: SharedMessage } | undefined;
  #closed = false;

  constructor(
    topic: string,
    settings: { process: string; interval: number; maxBufferedAmount: number },
    own: PresenceEntry[],
    backend: PresenceBackend | undefined,
  ) {
    this.#topic = topic;
    this.#process = settings.process;
    this.#interval = settings.interval;
    this.#maxBufferedAmount = settings.maxBufferedAmount;
    for (const entry of own) this.view.join(this.#process, entry);
    const others = backend === undefined ? Promise.resolve([]) : backend.listen(topic).then(() => backend.state(topic));
    // Unreachable now: start from this process's entries; the backend sends every process's sync once
    // it reads the topic again (Redis: at the next lease renewal after a failed read, or a reconnect).
    this.ready = others.catch((): PresenceSync[] => []).then((syncs) => this.#start(syncs));
  }

  get size(): number {
    return this.#live.size + (this.#waiting?.size ?? 0);
  }

  /** A presence subscriber: its state now (or once ready), then the diffs. */
  add(connection: Connection): void {
    if (this.#waiting !== undefined) return void this.#waiting.add(connection);
    this.#sendState(connection);
    this.#live.add(connection);
    this.#changed();
  }

  delete(connection: Connection): boolean {
    return this.#live.delete(connection) || this.#waiting?.delete(connection) === true;
  }

  /** Another process's event, from the backend's listener. */
  receive(event: PresenceChange | PresenceSync): void {
    if (this.#closed || event.process === this.#process) return;
    if (this.#held !== undefined) return void this.#held.push(event);
    this.#apply(event);
    this.#changed();
  }

  /** This process's own entries changed (the caller changed `view`). */
  changed(): void {
    this.#changed();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const timer of this.#delayed) clearTimeout(timer);
    this.#delayed.clear();
    this.#live.clear();
    this.#waiting = undefined;
  }

  #start(syncs: PresenceSync[]): void {
    if (this.#closed) return;
    for (const sync of syncs) if (sync.process !== this.#process) this.#replace(sync);
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const event of held) this.#apply(event);
    // Nobody has a state yet: the population is the starting point, not a change to send.
    this.view.takeDiff();
    const waiting = this.#waiting ?? new Set();
    this.#waiting = undefined;
    for (const connection of waiting) this.add(connection);
  }

  /** Applies an event newer than what the view has of its process; a change's leaves may wait (`grace`). */
  #apply(event: PresenceChange | PresenceSync): void {
    if (event.seq <= this.view.seqOf(event.process)) return;
    if (isSync(event)) return this.#replace(event);
    for (const entry of event.joins) this.view.join(event.process, entry, event.seq);
    for (const { ref, grace } of event.leaves) this.#leave(event.process, ref, grace, event.seq);
  }

  /** A process's entries whole; those `leaving` (held by a process that closed) leave when their grace ends. */
  #replace(sync: PresenceSync): void {
    this.view.replace(sync.process, sync.seq, sync.entries);
    for (const { ref, grace } of sync.leaving ?? []) this.#leave(sync.process, ref, grace);
  }

  /** The leave of `ref`, now or after `grace` ms (listed until then, like the owner's own held leaves). */
  #leave(process: string, ref: string, grace: number | undefined, seq?: number): void {
    if (grace === undefined || grace <= 0) return this.view.leave(process, ref, seq);
    const timer = setTimeout(() => {
      this.#delayed.delete(timer);
      this.view.leave(process, ref);
      this.#changed();
    }, grace).unref();
    this.#delayed.add(timer);
  }

  #changed(): void {
    if (this.#timer !== undefined || this.#closed || !this.view.changed || this.#live.size === 0) return;
    this.#timer = setTimeout(() => this.#flush(), this.#interval);
  }

  #flush(): void {
    this.#timer = undefined;
    const diff = this.view.takeDiff();
    if (diff === undefined || this.#live.size === 0) return;
    const text = presenceDiffText(this.#topic, diff.joins, diff.leaves);
    fanOut(this.#topic, this.#live, new SharedMessage('text', Buffer.from(text, 'utf8')), this.#maxBufferedAmount);
  }

  /** The flushed state: the next diff brings this subscriber, like every other, the window's changes. */
  #sendState(connection: Connection): void {
    if (connection.state !== 'open') return;
    const json = this.view.flushedStateJson();
    if (this.#state?.json !== json) this.#state = { json, shared: new SharedMessage('text', Buffer.from(presenceStateText(this.#topic, json), 'utf8')) };
    sendShared(connection, this.#state.shared);
  }
}
