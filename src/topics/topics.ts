import { UpsocketError, type Connection } from '../core/index.js';
import { publishTopicGap, publishTopicPublish } from '../core/internal.js';
import type { TopicBackend, TopicReplay } from './backend.js';
import { PreparedMessage } from './prepared-message.js';
import { Presence } from './presence.js';
import type { PresenceTracking } from './presence-tracking.js';
import type { PresenceMembers } from '../wire/index.js';
import { quiet, resolved } from './promises.js';
import { RequestResumePoints } from './request-resume-points.js';
import { Subscriptions } from './subscriptions.js';
import type { CatchingUp, TopicSubscribers } from './topic-subscribers.js';
import { subscribeOptions, type SubscribeOptions, type SubscribeResult, type TopicGap, type TopicsOptions } from './topics-options.js';
import { topicsSettings } from './topics-settings.js';

const NOTHING_NEW: SubscribeResult = Object.freeze({ gap: false, after: undefined });
const resolvedNothingNew = Promise.resolve(NOTHING_NEW);
// The bases subscribe() options resolve over: the topics' envelope default, no since.
const RAW = Object.freeze({ since: undefined, envelope: false, presence: false });
const ENVELOPE = Object.freeze({ since: undefined, envelope: true, presence: false });

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
 * - At most once without `history`: a message reaches each subscriber once or, if it is lost (a
 *   connection or the backend failing), not at all; nothing is replayed. With `history`, a client
 *   that resumes with `since` gets what it missed while the history still keeps it (docs/topics.md, "Resume").
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
  /** Whether the backend keeps history: then messages have ids and subscribe() replays. */
  readonly #history: boolean;
  readonly #envelope: boolean;
  readonly #subscriptions: Subscriptions;
  /** With history: the resume points of the connections' upgrade URLs, for subscribes without `since`. */
  readonly #requestResumePoints = new RequestResumePoints();
  readonly #onGap: (topic: string, gap: TopicGap) => void;
  readonly #presenceSettings: { interval: number; grace: number };
  /** Made by the first track(), presence() or subscribe with presence: topics without presence pay nothing. */
  #presence: Presence | undefined;
  #closed = false;

  /** @internal Use `createTopics()`. */
  constructor(options?: TopicsOptions) {
    const { backend, maxBufferedAmount, history, envelope, gap, presence } = topicsSettings(options, (topic, after) => this.#gap(topic, after));
    this.#presenceSettings = presence;
    this.#backend = backend;
    this.#maxBufferedAmount = maxBufferedAmount;
    this.#history = history;
    this.#envelope = envelope;
    this.#onGap = gap;
    this.#subscriptions = new Subscriptions(backend, maxBufferedAmount, (connection, name) => this.#presence?.unsubscribe(connection, name));
  }

  /**
   * Subscribes `connection` to topic `name` until it unsubscribes or closes. Resolves once the
   * backend has the subscription (at once in memory); messages published before that may miss it.
   * Rejects with `UPSOCKET_BACKEND_UNAVAILABLE` when the backend cannot take it now; the
   * subscription stands (local publishes reach it) and is made when the backend is back. A
   * rejection nobody awaits is not reported as unhandled. A connection that is no longer open, or
   * already subscribed to `name`, is left as it is (and the result is `{ gap: false, after: undefined }`).
   *
   * With `history`, the subscription goes live first, then replays every kept message after
   * `since`, then sends what arrived live meanwhile that comes after the replay: no message
   * twice, none missing between the two. The result's `gap` says when messages after `since`
   * were no longer kept. With the envelope, a seam marker follows the replay (docs/topics.md, "The envelope").
   * Without `since`, the resume point the client sent in its upgrade URL for `name`
   * (`upsocket-resume`, see `resumePoints()`) is used, once per connection and topic; `since: null`
   * ignores it. Only an explicit `since` overrides it.
   *
   * @example
   * const { gap } = await topics.subscribe(connection, 'room:lobby', { since: resumePoints(req)['room:lobby'], envelope: true })
   */
  subscribe(connection: Connection, name: string, options?: SubscribeOptions): Promise<SubscribeResult> {
    assertTopic(name);
    this.#assertOpen('subscribe');
    const { since: asked, envelope, presence } = subscribeOptions.resolve('topics.subscribe()', options, this.#envelope ? ENVELOPE : RAW);
    if (connection.state !== 'open') return resolvedNothingNew;
    const subscribers = this.#subscriptions.of(name);
    if (subscribers?.has(connection)) return resolvedNothingNew;
    if (presence) {
      // Its presence state goes out once every process's members are known; the result waits for that too.
      const ready = this.#presenceOf().subscribe(connection, name);
      const result = this.#subscribe(connection, name, subscribers, asked, envelope);
      return quiet(Promise.all([result, ready]).then(([subscribed]) => subscribed));
    }
    return this.#subscribe(connection, name, subscribers, asked, envelope);
  }

  /**
   * Tracks `connection` in the presence of topic `name` as a meta of member `key` (a non-empty
   * string, e.g. a user id) with `meta`, a JSON value (default `null`): several connections with
   * one key are one member with several metas. Subscribers with `{ presence: true }` get the
   * member's join (or update), in every process sharing the backend. The tracking ends with
   * `untrack()`, or when the connection closes and the `grace` of `createTopics({ presence })` has
   * passed. A connection that is not open gets a tracking already over (`tracked: false`).
   * Throws `UPSOCKET_INVALID_OPTION` for a bad key, `UPSOCKET_INVALID_PAYLOAD` for a meta JSON
   * cannot encode.
   *
   * @example
   * const tracking = topics.track(connection, 'room:lobby', user.id, { name: user.name, status: 'online' })
   * tracking.update({ name: user.name, status: 'away' })
   */
  track(connection: Connection, name: string, key: string, meta?: unknown): PresenceTracking {
    assertTopic(name);
    this.#assertOpen('track');
    return this.#presenceOf().track(connection, name, key, meta);
  }

  /**
   * The members of topic `name` across every process: `{ [key]: [{ ref, meta }] }`, one meta per
   * tracked connection. Answered from this process's copy when connections here subscribe to the
   * topic's presence, else asked of the backend (rejecting with `UPSOCKET_BACKEND_UNAVAILABLE`
   * when it cannot answer).
   *
   * @example
   * const online = Object.keys(await topics.presence('room:lobby')).length
   */
  presence(name: string): Promise<PresenceMembers> {
    assertTopic(name);
    this.#assertOpen('read presence');
    return this.#presenceOf().members(name);
  }

  #subscribe(connection: Connection, name: string, existing: TopicSubscribers | undefined, asked: string | null | undefined, envelope: boolean): Promise<SubscribeResult> {
    const subscribers = this.#subscriptions.join(connection, name, existing);
    const backendSubscription = this.#subscriptions.backendSubscriptionOf(name);
    if (this.#history) {
      const fromRequest = this.#requestResumePoints.take(connection, name);
      const since = asked === undefined ? fromRequest : (asked ?? undefined);
      const waiting = subscribers.addCatchingUp(connection, envelope);
      return quiet(this.#catchUp(connection, name, since, backendSubscription, waiting));
    }
    // Without history there is nothing to resume: the request's resume points are not read.
    const since = asked ?? undefined;
    subscribers.add(connection, envelope);
    if (envelope) subscribers.sendSeam(connection, undefined, since !== undefined);
    if (since === undefined && backendSubscription === resolved) return resolvedNothingNew;
    const result: SubscribeResult = { gap: since !== undefined, after: undefined };
    return quiet(backendSubscription.then(() => result));
  }

  /** Unsubscribes `connection` from `name`; does nothing when it was not subscribed. */
  unsubscribe(connection: Connection, name: string): Promise<void> {
    assertTopic(name);
    if (this.#closed) return resolved;
    return this.#subscriptions.unsubscribe(connection, name);
  }

  /**
   * Sends `payload` to every subscriber of `name` in every process: a string as a text message,
   * bytes (Buffer, typed array, DataView, ArrayBuffer) as a binary message, any other value as
   * JSON text. Subscribers in this process have it queued when this returns (with history and the
   * Redis backend, once Redis gave it its id, for every process alike). The promise resolves
   * once the backend took it for the other processes, and rejects with
   * `UPSOCKET_BACKEND_UNAVAILABLE` when it could not (local subscribers still got it).
   * Throws `UPSOCKET_INVALID_PAYLOAD` for a value JSON cannot encode.
   *
   * With `history`, it resolves with the message's id: the one its subscribers see (in the
   * envelope, and as `since`/`after` when resuming); the Redis backend's is the stream entry id.
   * Without history, with `undefined`.
   *
   * @example
   * await topics.publish(`user:${userId}`, { type: 'invoice-paid', invoiceId })
   *
   * // With history: remember where this message is, e.g. to resume from it later.
   * const id = await topics.publish('room:lobby', { text: 'hello' }) // '1764694800000-1'
   */
  publish(name: string, payload: unknown): Promise<string | undefined> {
    assertTopic(name);
    this.#assertOpen('publish');
    publishTopicPublish(name);
    // The backend's own promise, unwrapped by nothing: history off costs no extra await. Its
    // `void` (a backend from before ids) resolves with undefined all the same.
    return this.#backend.publish(name, PreparedMessage.from(payload)) as Promise<string | undefined>;
  }

  /** How many connections in this process are subscribed to `name` (being replayed to included). */
  subscriberCount(name: string): number {
    return this.#subscriptions.count(name);
  }

  /** The topics `connection` is subscribed to. */
  topicsOf(connection: Connection): string[] {
    return this.#subscriptions.topicsOf(connection);
  }

  /**
   * Drops every subscription (the connections stay open) and closes the backend, which belongs to
   * these topics. Afterwards `subscribe()` and `publish()` throw `UPSOCKET_TOPICS_CLOSED`.
   */
  close(): Promise<void> {
    if (this.#closed) return resolved;
    this.#closed = true;
    this.#subscriptions.clear();
    // Presence's last change (its held leaves, with the rest of their grace) reaches the backend before it closes.
    if (this.#presence !== undefined) return this.#presence.close().then(() => this.#backend.close());
    return this.#backend.close();
  }

  #presenceOf(): Presence {
    return (this.#presence ??= new Presence(this.#backend.presence, { ...this.#presenceSettings, maxBufferedAmount: this.#maxBufferedAmount }));
  }

  /** Live first (the backend's subscription), then the replay; see `TopicSubscribers.finishCatchUp()`. */
  async #catchUp(
    connection: Connection,
    name: string,
    since: string | undefined,
    backendSubscription: Promise<void>,
    waiting: CatchingUp,
  ): Promise<SubscribeResult> {
    let failure: unknown;
    let replay: TopicReplay;
    try {
      await backendSubscription;
    } catch (error) {
      failure = error;
    }
    try {
      waiting.replaying = true;
      replay = await this.#backend.replay!(name, since);
    } catch (error) {
      failure ??= error;
      replay = { messages: [], last: undefined, gap: since !== undefined };
    }
    // Gone meanwhile (closed, unsubscribed, these topics closed): finishCatchUp() does nothing.
    const result = this.#subscriptions.of(name)?.finishCatchUp(connection, waiting, replay) ?? { after: replay.last, gap: replay.gap };
    if (failure !== undefined) throw failure;
    return result;
  }

  /** The backend's `onGap`: tell the topic's subscribers here, then the app. */
  #gap(topic: string, after: string | undefined): void {
    const subscribers = this.#subscriptions.of(topic);
    if (this.#closed || subscribers === undefined) return;
    const told = subscribers.gap(after);
    publishTopicGap(topic, after, told.raw.length + told.enveloped.length);
    this.#onGap(topic, { after, ...told });
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
