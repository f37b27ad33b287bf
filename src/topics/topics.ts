import { UpsocketError, type Connection } from '../core/index.js';
import { backlogOf, defineOptions, positiveInteger, publishDeliver, publishSlowSubscriber, publishTopicPublish, sendShared } from '../core/internal.js';
import { createMemoryBackend } from './memory-backend.js';
import type { TopicBackend } from './backend.js';
import { PreparedMessage, sharedOf } from './prepared-message.js';

/** Options of `createTopics()`. */
export interface TopicsOptions {
  /** What carries messages between processes. Default: `createMemoryBackend()` (this process only). */
  backend?: TopicBackend | undefined;
  /**
   * A subscriber with more than this many bytes still waiting to be sent when a message for it
   * arrives is too far behind: it is closed with 1013 (try again later) instead of being buffered
   * without bound. What counts is what stayed buffered after the last tick's writes were handed
   * to the network, so a burst published within one tick does not close healthy subscribers.
   * Default: 1 MiB.
   */
  maxBufferedAmount?: number | undefined;
}

// No default backend here: each Topics gets a memory backend of its own.
const topicsOptions = defineOptions<{ backend: TopicBackend | undefined; maxBufferedAmount: number }>({
  backend: { default: undefined },
  maxBufferedAmount: { default: 1024 * 1024, check: positiveInteger },
});

/** The close reason a subscriber that fell behind gets, with close code 1013. */
export const SLOW_SUBSCRIBER_REASON = 'Too far behind: reconnect to catch up';

const resolved = Promise.resolve();

function noop(): void {}

/** A promise the caller may await, whose rejection is not reported as unhandled when they do not. */
function quiet(promise: Promise<void>): Promise<void> {
  promise.catch(noop);
  return promise;
}

function assertTopic(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new UpsocketError('UPSOCKET_INVALID_TOPIC', `A topic name must be a non-empty string, got ${name === '' ? "''" : typeof name}`);
  }
}

/**
 * Named channels that connections subscribe to and anyone can publish to: a chat room, a
 * dashboard's feed, `user:42` for everything one user should see. Create one per process with
 * `createTopics()`; with a shared backend (`upsocket/redis`), a publish in any process reaches the
 * subscribers in all of them.
 *
 * Semantics:
 * - At most once: a message reaches each subscriber once or, if it is lost (a connection or the
 *   backend failing), not at all; nothing is replayed.
 * - Per-publisher order: messages one process publishes to one topic arrive in that order.
 * - Slow subscribers are closed with 1013 once more than `maxBufferedAmount` bytes stay waiting
 *   for them, rather than buffered without bound.
 * - Publishing to a topic nobody in the process subscribes to encodes nothing (the Redis backend
 *   still sends it to Redis once, for the other processes).
 * - One message to many subscribers is JSON-encoded once and framed once; the same bytes are
 *   written to every socket (connections with compression get their own compressed frame).
 *
 * @example
 * const topics = createTopics()
 * open(req, async (connection) => {
 *   await topics.subscribe(connection, 'room:lobby') // unsubscribed when the connection closes
 *   for await (const message of connection) await topics.publish('room:lobby', message.text())
 * })
 */
export class Topics {
  readonly #backend: TopicBackend;
  readonly #maxBufferedAmount: number;
  readonly #subscribers = new Map<string, Set<Connection>>();
  /** The backend's subscribe() promise of each topic with subscribers here. */
  readonly #backendSubscriptions = new Map<string, Promise<void>>();
  readonly #topicsOf = new Map<Connection, Set<string>>();
  /** Connections whose close we already watch: one callback per connection, however many topics. */
  readonly #watched = new WeakSet<Connection>();
  readonly #deliver = (topic: string, message: PreparedMessage): void => this.#deliverLocally(topic, message);
  #closed = false;

  /** @internal Use `createTopics()`. */
  constructor(options: TopicsOptions = {}) {
    const { backend, maxBufferedAmount } = topicsOptions.resolve('createTopics()', options);
    this.#backend = backend ?? createMemoryBackend();
    this.#maxBufferedAmount = maxBufferedAmount;
  }

  /**
   * Subscribes `connection` to topic `name` until it unsubscribes or closes. Resolves once the
   * backend has the subscription (at once in memory); messages published before that may miss it.
   * Rejects with `UPSOCKET_BACKEND_UNAVAILABLE` when the backend cannot take it now; the
   * subscription stands (local publishes reach it) and is made when the backend is back. A
   * rejection nobody awaits is not reported as unhandled. A connection that is no longer open is
   * not subscribed.
   */
  subscribe(connection: Connection, name: string): Promise<void> {
    assertTopic(name);
    this.#assertOpen('subscribe');
    if (connection.state !== 'open') return resolved;
    let subscribers = this.#subscribers.get(name);
    if (subscribers?.has(connection)) return resolved;
    let topics = this.#topicsOf.get(connection);
    if (topics === undefined) {
      topics = new Set();
      this.#topicsOf.set(connection, topics);
      this.#watch(connection);
    }
    topics.add(name);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.#subscribers.set(name, subscribers);
      this.#backendSubscriptions.set(name, quiet(this.#backend.subscribe(name, this.#deliver)));
    }
    subscribers.add(connection);
    // Later subscribers wait for the same backend subscription as the first.
    return this.#backendSubscriptions.get(name) ?? resolved;
  }

  /** Unsubscribes `connection` from `name`; does nothing when it was not subscribed. */
  unsubscribe(connection: Connection, name: string): Promise<void> {
    assertTopic(name);
    if (this.#closed) return resolved;
    const topics = this.#topicsOf.get(connection);
    if (topics === undefined || !topics.delete(name)) return resolved;
    if (topics.size === 0) this.#topicsOf.delete(connection);
    return this.#leave(connection, name);
  }

  /**
   * Sends `payload` to every subscriber of `name` in every process: a string as a text message,
   * bytes (Buffer, typed array, DataView, ArrayBuffer) as a binary message, any other value as
   * JSON text. Subscribers in this process have it queued when this returns. The promise resolves
   * once the backend took it for the other processes, and rejects with
   * `UPSOCKET_BACKEND_UNAVAILABLE` when it could not (local subscribers still got it).
   * Throws `UPSOCKET_INVALID_PAYLOAD` for a value JSON cannot encode.
   *
   * @example
   * await topics.publish(`user:${userId}`, { type: 'invoice-paid', invoiceId })
   */
  publish(name: string, payload: unknown): Promise<void> {
    assertTopic(name);
    this.#assertOpen('publish');
    publishTopicPublish(name);
    return this.#backend.publish(name, PreparedMessage.from(payload));
  }

  /** How many connections in this process are subscribed to `name`. */
  subscriberCount(name: string): number {
    return this.#subscribers.get(name)?.size ?? 0;
  }

  /** The topics `connection` is subscribed to. */
  topicsOf(connection: Connection): string[] {
    return [...(this.#topicsOf.get(connection) ?? [])];
  }

  /**
   * Drops every subscription (the connections stay open) and closes the backend, which belongs to
   * these topics. Afterwards `subscribe()` and `publish()` throw `UPSOCKET_TOPICS_CLOSED`.
   */
  close(): Promise<void> {
    if (this.#closed) return resolved;
    this.#closed = true;
    this.#subscribers.clear();
    this.#backendSubscriptions.clear();
    this.#topicsOf.clear();
    return this.#backend.close();
  }

  #deliverLocally(topic: string, message: PreparedMessage): void {
    const subscribers = this.#subscribers.get(topic);
    if (subscribers === undefined) return;
    const shared = sharedOf(message);
    let delivered = 0;
    for (const connection of subscribers) {
      // Closing or closed: its closed promise removes it shortly; it can take no more writes.
      if (connection.state !== 'open') continue;
      if (backlogOf(connection) > this.#maxBufferedAmount) {
        publishSlowSubscriber(connection, topic, backlogOf(connection));
        void connection.close(1013, SLOW_SUBSCRIBER_REASON);
        continue;
      }
      sendShared(connection, shared);
      delivered++;
    }
    publishDeliver(topic, delivered);
  }

  #leave(connection: Connection, name: string): Promise<void> {
    const subscribers = this.#subscribers.get(name);
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

  #assertOpen(action: string): void {
    if (this.#closed) throw new UpsocketError('UPSOCKET_TOPICS_CLOSED', `Cannot ${action}: these topics were closed`);
  }
}

/**
 * Creates the topics of this process. Without a backend, publishes reach this process's
 * subscribers only; with `createRedisBackend()` from `upsocket/redis`, those of every process
 * sharing the Redis server.
 *
 * @example
 * import { createTopics } from 'upsocket'
 * import { createRedisBackend } from 'upsocket/redis'
 *
 * const topics = process.env.REDIS_URL
 *   ? createTopics({ backend: createRedisBackend({ url: process.env.REDIS_URL }) })
 *   : createTopics()
 */
export function createTopics(options?: TopicsOptions): Topics {
  return new Topics(options);
}
