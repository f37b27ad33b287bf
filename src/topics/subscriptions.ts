import type { Connection } from '../core/index.js';
import type { TopicBackend } from './backend.js';
import type { PreparedMessage } from './prepared-message.js';
import { quiet, resolved } from './promises.js';
import { TopicSubscribers } from './topic-subscribers.js';

/**
 * @internal The subscriptions of one `Topics` in this process: each topic's subscribers here
 * (`TopicSubscribers`) and its subscription at the backend (made with the first subscriber,
 * dropped with the last), the topics of each connection, and their end when it closes (one
 * callback per connection, however many topics). What a subscriber gets on joining (a replay, a
 * seam) is `Topics`' to send.
 */
export class Subscriptions {
  readonly #backend: TopicBackend;
  readonly #subscribers = new Map<string, TopicSubscribers>();
  /** The backend's subscribe() promise of each topic with subscribers here. */
  readonly #backendSubscriptions = new Map<string, Promise<void>>();
  readonly #topicsOf = new Map<Connection, Set<string>>();
  /** Connections whose close we already watch: one callback per connection, however many topics. */
  readonly #watched = new WeakSet<Connection>();
  readonly #deliver: (topic: string, message: PreparedMessage) => void;
  /** Told of every subscription that ends, before it is dropped (presence's subscribers leave with it). */
  readonly #onLeave: (connection: Connection, name: string) => void;

  constructor(backend: TopicBackend, maxBufferedAmount: number, onLeave: (connection: Connection, name: string) => void) {
    this.#backend = backend;
    this.#deliver = (topic, message) => this.#subscribers.get(topic)?.deliver(message, maxBufferedAmount);
    this.#onLeave = onLeave;
  }

  /** The subscribers of `name` here, if any. */
  of(name: string): TopicSubscribers | undefined {
    return this.#subscribers.get(name);
  }

  /**
   * Records `connection` in `name` (whose subscribers are `existing`, if any), subscribing the
   * topic at the backend with its first subscriber; returns the topic's subscribers, to add it to.
   */
  join(connection: Connection, name: string, existing: TopicSubscribers | undefined): TopicSubscribers {
    let subscribers = existing;
    let topics = this.#topicsOf.get(connection);
    if (topics === undefined) {
      topics = new Set();
      this.#topicsOf.set(connection, topics);
      this.#watch(connection);
    }
    topics.add(name);
    if (subscribers === undefined) {
      subscribers = new TopicSubscribers(name);
      this.#subscribers.set(name, subscribers);
      this.#backendSubscriptions.set(name, quiet(this.#backend.subscribe(name, this.#deliver)));
    }
    return subscribers;
  }

  /** The backend's subscription of `name`: later subscribers wait for the same one as the first. */
  backendSubscriptionOf(name: string): Promise<void> {
    return this.#backendSubscriptions.get(name) ?? resolved;
  }

  /** Ends the subscription of `connection` to `name`; does nothing when there is none. */
  unsubscribe(connection: Connection, name: string): Promise<void> {
    const topics = this.#topicsOf.get(connection);
    if (topics === undefined || !topics.delete(name)) return resolved;
    if (topics.size === 0) this.#topicsOf.delete(connection);
    return this.#leave(connection, name);
  }

  /** How many connections here are subscribed to `name` (being replayed to included). */
  count(name: string): number {
    return this.#subscribers.get(name)?.size ?? 0;
  }

  topicsOf(connection: Connection): string[] {
    return [...(this.#topicsOf.get(connection) ?? [])];
  }

  /** Drops every subscription here (the topics close; the backend is closed by its owner). */
  clear(): void {
    this.#subscribers.clear();
    this.#backendSubscriptions.clear();
    this.#topicsOf.clear();
  }

  #leave(connection: Connection, name: string): Promise<void> {
    this.#onLeave(connection, name);
    const subscribers = this.#subscribers.get(name);
    // delete() covers every state, a subscriber being replayed to included.
    if (subscribers === undefined || !subscribers.delete(connection) || subscribers.size > 0) return resolved;
    this.#subscribers.delete(name);
    this.#backendSubscriptions.delete(name);
    return quiet(this.#backend.unsubscribe(name, this.#deliver));
  }

  #watch(connection: Connection): void {
    if (this.#watched.has(connection)) return;
    this.#watched.add(connection);
    void connection.closed.then(() => this.#forget(connection));
  }

  #forget(connection: Connection): void {
    const topics = this.#topicsOf.get(connection);
    if (topics === undefined) return;
    this.#topicsOf.delete(connection);
    for (const name of topics) void this.#leave(connection, name);
  }
}
