import type { PresenceChange, PresenceListener, PresenceSync } from '../presence-backend.js';
import { PRESENCE_MARK } from './presence-commands.js';
import type { PresenceKeys } from './presence-keys.js';
import { noop, type RedisLink } from './redis-link.js';

/** What listening needs of the Redis backend's presence settings. */
export interface ListeningSettings {
  /** The lease's length in ms: how long a process absent from Redis may still write its entries again. */
  lease: number;
  /** Resolves once the subscriber connection is ready; rejects after the backend's timeout. */
  subscriberReady(): Promise<void>;
  /** The backend's `UPSOCKET_BACKEND_UNAVAILABLE` error for `what`. */
  unavailable(what: string, error: unknown, consequence: string): Error;
  report(error: Error): void;
}

/** A listened topic: its channel, and the other processes seen in it with their last seq (for the leaves after a resync). */
interface Listened {
  keys: PresenceKeys;
  known: Map<string, number>;
  subscription: Promise<void>;
}

/**
 * @internal The listening side of `RedisPresence`: the topics whose presence this process listens
 * to, their channels, the other processes seen in each, and the resyncs (each process sent whole,
 * from a `state()` read) when changes may have been missed: after a reconnect, or a read that failed.
 * What it hears goes to the listener `start()` gave; this process's own events are left out.
 */
export class PresenceListening {
  readonly #link: RedisLink;
  readonly #settings: ListeningSettings;
  /** The presence's `state()`: every process's entries of a topic, read from Redis. */
  readonly #state: (topic: string) => Promise<PresenceSync[]>;
  #process = '';
  #listener: PresenceListener = noop;
  readonly #listened = new Map<string, Listened>();
  readonly #topicOfChannel = new Map<string, string>();
  /** Listened topics whose state could not be read: read again (and sent whole) at the next renewal. */
  readonly #stale = new Set<string>();
  #closed = false;

  constructor(link: RedisLink, settings: ListeningSettings, state: (topic: string) => Promise<PresenceSync[]>) {
    this.#link = link;
    this.#settings = settings;
    this.#state = state;
  }

  start(process: string, listener: PresenceListener): void {
    this.#process = process;
    this.#listener = listener;
  }

  /** Subscribes to `keys`' channel for `topic` (once); resolves when Redis has the subscription. */
  listen(topic: string, keys: PresenceKeys): Promise<void> {
    const listened = this.#listened.get(topic);
    if (listened !== undefined) return listened.subscription;
    const subscription = this.#settings.subscriberReady().then(() => {
      if (this.#listened.get(topic)?.keys !== keys) return;
      return this.#link.subscribe([keys.channel]).then(noop);
    });
    subscription.catch(noop);
    this.#listened.set(topic, { keys, known: new Map(), subscription });
    this.#topicOfChannel.set(keys.channel, topic);
    return subscription.catch((error: unknown) => {
      throw this.#settings.unavailable(`Cannot listen to the presence of topic "${topic}" yet`, error, 'It is listened to when Redis is reachable.');
    });
  }

  unlisten(topic: string): Promise<void> {
    const listened = this.#listened.get(topic);
    if (listened === undefined) return Promise.resolve();
    this.#listened.delete(topic);
    this.#topicOfChannel.delete(listened.keys.channel);
    if (this.#closed || this.#link.subscriber.status !== 'ready') return Promise.resolve();
    return this.#link.unsubscribe(listened.keys.channel).then(noop, noop);
  }

  /** The other processes seen in `topic` with their last seq, when it is listened to. */
  knownIn(topic: string): Map<string, number> | undefined {
    return this.#listened.get(topic)?.known;
  }

  /**
   * `topic`'s state could not be read: a listener that started from that answer would otherwise
   * never hear the other processes' members that changes alone do not bring, so it is resynced
   * at the next `resyncStale()`.
   */
  markStale(topic: string): void {
    if (this.#listened.has(topic)) this.#stale.add(topic);
  }

  /** Resyncs the topics `markStale()` named (the lease's renewal calls it once Redis answers). */
  resyncStale(): void {
    const stale = [...this.#stale];
    this.#stale.clear();
    for (const topic of stale) void this.#resync(topic, false);
  }

  /** A message on a subscribed channel: true when it was presence's (then handled). */
  onMessage(channel: string, data: Buffer): boolean {
    if (data[0] !== PRESENCE_MARK) return false;
    const topic = this.#topicOfChannel.get(channel);
    if (topic === undefined) return false;
    let event: PresenceChange | PresenceSync;
    try {
      event = JSON.parse(data.toString('utf8', 1)) as PresenceChange | PresenceSync;
    } catch {
      return false;
    }
    if (event.process === this.#process) return true;
    const known = this.#listened.get(topic)!.known;
    if ((event as PresenceSync).entries?.length === 0) known.delete(event.process);
    else known.set(event.process, event.seq);
    this.#emit(topic, event);
    return true;
  }

  /**
   * The subscriber connection is back (or a cluster shard's): subscribe the listened topics'
   * channels again and send each one's processes whole, since changes may have been missed.
   * Processes seen before but absent from Redis now are removed only after a lease's length:
   * after Redis lost its data (a restart), the live ones write their entries again by then.
   */
  resubscribe(): void {
    const topics = [...this.#listened.keys()];
    if (topics.length === 0 || this.#closed) return;
    const channels = topics.map((topic) => this.#listened.get(topic)!.keys.channel);
    this.#link.subscribe(channels).then(
      () => {
        for (const topic of topics) void this.#resync(topic, false);
      },
      (error: unknown) => this.#settings.report(this.#settings.unavailable(`Cannot listen again to the presence of ${topics.length} topic(s)`, error, 'Retrying on the next reconnect.')),
    );
  }

  close(): void {
    this.#closed = true;
  }

  /** Sends `topic`'s processes whole; with `final`, also removes the known ones Redis no longer has. */
  async #resync(topic: string, final: boolean): Promise<void> {
    const listened = this.#listened.get(topic);
    if (listened === undefined || this.#closed) return;
    let syncs: PresenceSync[];
    try {
      syncs = await this.#state(topic);
    } catch (error) {
      this.#settings.report(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.#listened.get(topic) !== listened) return;
    const present = new Set(syncs.map(({ process }) => process));
    for (const sync of syncs) if (sync.process !== this.#process) this.#emit(topic, sync);
    const absent = [...listened.known].filter(([process]) => !present.has(process));
    if (absent.length === 0) return;
    if (!final) {
      const timer = setTimeout(() => void this.#resync(topic, true), this.#settings.lease);
      timer.unref();
      return;
    }
    for (const [process, seq] of absent) {
      listened.known.delete(process);
      // Newer than what was seen of it; a process still alive has a new generation, newer still.
      this.#emit(topic, { process, seq: seq + 1, entries: [] });
    }
  }

  #emit(topic: string, event: PresenceChange | PresenceSync): void {
    try {
      this.#listener(topic, event);
    } catch (error) {
      this.#settings.report(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
