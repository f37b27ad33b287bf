import { randomBytes } from 'node:crypto';
import { UpsocketError } from '../../core/index.js';
import { guardedOnError } from '../../core/internal.js';
import type { PreparedMessage } from '../prepared-message.js';
import type { TopicBackend, TopicGapListener, TopicListener, TopicReplay } from '../backend.js';
import { TopicListeners } from '../listeners.js';
import { clusterLink } from './cluster-link.js';
import { decodeEnvelope, encodeEnvelope, ORIGIN_LENGTH } from './envelope.js';
import { LiveCursor } from './live-cursor.js';
import { ReadyGate } from './ready-gate.js';
import { RedisHistory, type StreamReplay } from './redis-history.js';
import { RedisPresence } from './redis-presence.js';
import { disconnect, noop, type RedisClient, type RedisLink } from './redis-link.js';
import type { RedisBackendOptions } from './redis-options.js';
import { resolveRedisOptions } from './resolve-options.js';
import { singleNodeLink } from './single-link.js';

/** @internal See `createRedisBackend()`. */
export class RedisBackend implements TopicBackend {
  /** One server's connections or a cluster's, and the pub/sub commands they take (redis-link.ts). */
  readonly #link: RedisLink;
  readonly #publisher: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #publisherReady: ReadyGate;
  readonly #subscriberReady: ReadyGate;
  readonly #listeners = new TopicListeners();
  /** The latest SUBSCRIBE of each topic with listeners, for later subscribers to await too. */
  readonly #subscriptions = new Map<string, Promise<void>>();
  readonly #origin = randomBytes(ORIGIN_LENGTH);
  readonly #prefix: string;
  readonly #timeout: number;
  /** Where connection trouble and foreign messages go; built once from `onError`. */
  readonly #report: (error: Error) => void;
  readonly #lastError = new Map<RedisClient, Error>();
  /** Set by keepHistory(): then messages go through the topic's stream (redis-history.ts). */
  #history: RedisHistory | undefined;
  /** With history: each topic's last live message, to backfill from the stream after a reconnect. */
  readonly #cursor = new LiveCursor(
    (topic, message) => this.#emit(topic, message),
    (topic, after) => this.#gap(topic, after),
  );
  /** keepHistory()'s: told when a backfill could not bring everything pub/sub lost. */
  #onGap: TopicGapListener | undefined;
  /**
   * Resubscribing failed, and has not succeeded since: its failures are reported once per outage.
   * A cluster retries a down shard many times in one outage, each retry ending in
   * 'subscribersReady' and so in another resubscribe that fails.
   */
  #resubscribeFailing = false;
  /** #resubscribe()'s calls, counted, and the last one that succeeded: older ones' failures are stale. */
  #resubscribes = 0;
  #recoveredAt = 0;
  #closed = false;
  /** Presence across processes (redis-presence.ts); idle (no timer, no command) until used. */
  readonly presence: RedisPresence;

  constructor(options: RedisBackendOptions = {}) {
    const { url, cluster, redisOptions, prefix, timeout, presenceLease, onError } = resolveRedisOptions(options);
    this.#prefix = prefix;
    this.#timeout = timeout;
    this.#report = guardedOnError(onError);
    this.#link = cluster === false ? singleNodeLink(url, redisOptions, timeout) : clusterLink(cluster, redisOptions, timeout);
    this.#publisher = this.#link.publisher;
    this.#subscriber = this.#link.subscriber;
    this.#publisherReady = new ReadyGate(this.#publisher);
    this.#subscriberReady = new ReadyGate(this.#subscriber);
    for (const client of [this.#publisher, this.#subscriber]) {
      client.on('error', (error: Error) => this.#onConnectionError(client, error));
      client.on('ready', () => this.#lastError.delete(client));
    }
    this.presence = new RedisPresence(this.#link, {
      prefix,
      lease: presenceLease,
      publisherReady: () => this.#whenPublisherReady(() => Promise.resolve()),
      subscriberReady: () => this.#subscriberReady.wait(this.#timeout, () => this.#notConnected(this.#subscriber)),
      unavailable: (what, error, consequence) => this.#unavailable(what, error, consequence),
      report: this.#report,
    });
    this.#publisher.on('ready', () => this.presence.publisherReady());
    this.#link.onResubscribe(() => {
      this.#resubscribe();
      this.presence.resubscribe();
    });
    this.#link.onMessage((channel, data) => this.#onRedisMessage(channel, data));
  }

  publish(topic: string, message: PreparedMessage): Promise<string | void> {
    this.#assertOpen('publish');
    const channel = this.#prefix + topic;
    const history = this.#history;
    if (history !== undefined) {
      // Through Redis for this process too: one script adds the entry and publishes it, so every
      // process receives the topic's messages in id order.
      return this.#whenPublisherReady(() => history.publish(channel, channel, this.#origin, message)).catch((error: unknown) => {
        throw this.#unavailable(`Cannot publish to topic "${topic}"`, error, 'Nobody got the message: with history, every process receives it through Redis.');
      });
    }
    // Local subscribers first and synchronously: they get it even when Redis is down.
    this.#listeners.emit(topic, message);
    const envelope = encodeEnvelope(this.#origin, message);
    // noop: resolves with nothing (no id without history), not with PUBLISH's count of receivers.
    return this.#whenPublisherReady(() => this.#link.publish(channel, envelope)).then(noop, (error: unknown) => {
      throw this.#unavailable(`Cannot publish to topic "${topic}"`, error, 'Subscribers in this process got the message; other processes did not.');
    });
  }

  keepHistory(bounds: { maxMessages: number; maxAge: number }, onGap?: TopicGapListener): void {
    this.#history = new RedisHistory(this.#link, bounds);
    this.#onGap = onGap;
  }

  replay(topic: string, since: string | undefined): Promise<TopicReplay> {
    this.#assertOpen('replay');
    if (this.#history === undefined) throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'replay() needs history: call keepHistory() first');
    return this.#cursor.replay(topic, since, (from) => this.#replay(topic, from)).then((replay) => {
      // Topics replays to each subscriber once its subscription is made: what pub/sub loses
      // before the topic's first live message is read back from there.
      if (this.#listeners.has(topic)) this.#cursor.replayed(topic, replay.last);
      return replay;
    });
  }

  #replay(topic: string, since: string | undefined): Promise<StreamReplay> {
    const history = this.#history!;
    return this.#whenPublisherReady(() => history.replay(this.#prefix + topic, since)).catch((error: unknown) => {
      throw this.#unavailable(`Cannot replay topic "${topic}"`, error, 'Nothing was replayed.');
    });
  }

  subscribe(topic: string, listener: TopicListener): Promise<void> {
    this.#assertOpen('subscribe');
    if (!this.#listeners.add(topic, listener)) return this.#subscriptions.get(topic) ?? Promise.resolve();
    const subscription = this.#subscribeChannel(topic);
    subscription.catch(noop);
    this.#subscriptions.set(topic, subscription);
    return subscription;
  }

  unsubscribe(topic: string, listener: TopicListener): Promise<void> {
    if (this.#closed || !this.#listeners.delete(topic, listener)) return Promise.resolve();
    this.#subscriptions.delete(topic);
    this.#cursor.forget(topic);
    // Not connected: there is nothing to undo, the next 'ready' subscribes only to wanted topics.
    if (this.#subscriber.status !== 'ready') return Promise.resolve();
    return this.#link.unsubscribe(this.#prefix + topic).then(noop, (error: unknown) => {
      // Harmless beyond traffic: messages for a topic without listeners are dropped.
      this.#report(this.#unavailable(`Cannot unsubscribe from topic "${topic}"`, error, 'Its messages are ignored.'));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#subscriptions.clear();
    // Before the connections go: it removes this process's members from Redis.
    await this.presence.close();
    const closed = new UpsocketError('UPSOCKET_TOPICS_CLOSED', 'The Redis backend was closed');
    this.#publisherReady.close(closed);
    this.#subscriberReady.close(closed);
    await Promise.all([disconnect(this.#publisher), disconnect(this.#subscriber)]);
  }

  /** Runs `command` once the publishing connection is ready, waiting at most `timeout` ms. */
  #whenPublisherReady<T>(command: () => Promise<T>): Promise<T> {
    if (this.#publisher.status === 'ready') return command();
    return this.#publisherReady.wait(this.#timeout, () => this.#notConnected(this.#publisher)).then(command);
  }

  async #subscribeChannel(topic: string): Promise<void> {
    try {
      await this.#subscriberReady.wait(this.#timeout, () => this.#notConnected(this.#subscriber));
      // Unsubscribed while we waited: nothing to do.
      if (!this.#listeners.has(topic)) return;
      await this.#link.subscribe([this.#prefix + topic]);
    } catch (error) {
      if (this.#closed) throw error;
      throw this.#unavailable(`Cannot subscribe to topic "${topic}" yet`, error, 'The subscription is made when Redis is reachable.');
    }
  }

  #resubscribe(): void {
    const topics = [...this.#listeners.topics()];
    const channels = topics.map((topic) => this.#prefix + topic);
    if (channels.length === 0) return;
    const attempt = ++this.#resubscribes;
    // With history, what pub/sub lost while we were away is read from the streams.
    const missed = this.#history === undefined ? [] : topics;
    this.#cursor.hold(missed);
    this.#link.subscribe(channels).then(
      async () => {
        const backfilled = await Promise.all(missed.map((topic) => this.#backfill(topic, attempt)));
        if (backfilled.every(Boolean)) this.#recovered(attempt);
      },
      (error: unknown) => {
        this.#resubscribeFailed(attempt, this.#unavailable(`Cannot resubscribe to ${channels.length} topic(s)`, error, 'Retrying on the next reconnect.'));
        // What was held meanwhile goes out after what the streams kept; the next reconnect's
        // backfill starts from there.
        for (const topic of missed) void this.#backfill(topic, attempt, false);
      },
    );
  }

  /** Whether the backfill succeeded; its failure is reported as part of the outage. `subscribed`: see LiveCursor.backfill(). */
  async #backfill(topic: string, attempt: number, subscribed = true): Promise<boolean> {
    try {
      await this.#cursor.backfill(topic, (name, since) => this.#replay(name, since), subscribed);
      return true;
    } catch (error) {
      this.#resubscribeFailed(attempt, error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  /** Reports the first failure of an outage; the retries' are the same news. */
  #resubscribeFailed(attempt: number, error: Error): void {
    if (this.#resubscribeFailing || attempt < this.#recoveredAt || this.#closed) return;
    this.#resubscribeFailing = true;
    this.#report(error);
  }

  /**
   * Every subscription and backfill is back: the outage is over, the next one is news again. With
   * a cluster this is the only sign of it: the cluster stays 'ready' while one shard is down.
   */
  #recovered(attempt: number): void {
    this.#recoveredAt = Math.max(this.#recoveredAt, attempt);
    this.#resubscribeFailing = false;
    this.#lastError.delete(this.#subscriber);
  }

  #emit(topic: string, message: PreparedMessage): void {
    try {
      this.#listeners.emit(topic, message);
    } catch (error) {
      this.#report(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #gap(topic: string, after: string | undefined): void {
    if (this.#closed || !this.#listeners.has(topic)) return;
    try {
      this.#onGap?.(topic, after);
    } catch (error) {
      this.#report(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #onRedisMessage(channel: Buffer, data: Buffer): void {
    const name = channel.toString('utf8');
    if (!name.startsWith(this.#prefix) || this.presence.onMessage(name, data)) return;
    const decoded = decodeEnvelope(data);
    if (decoded === undefined) {
      this.#report(new UpsocketError('UPSOCKET_INVALID_PAYLOAD', `Ignored a message on Redis channel "${name}" that upsocket did not publish`));
      return;
    }
    const topic = name.slice(this.#prefix.length);
    if (decoded.message.id === undefined) {
      // Our own message: its subscribers here got it when it was published.
      if (!decoded.origin.equals(this.#origin)) this.#emit(topic, decoded.message);
    } else if (this.#cursor.accept(topic, decoded.message)) {
      this.#emit(topic, decoded.message);
    }
  }

  #onConnectionError(client: RedisClient, error: Error): void {
    // ioredis reports each failed reconnect: say it once per outage.
    const first = !this.#lastError.has(client);
    this.#lastError.set(client, error);
    if (first && !this.#closed) {
      const role = client === this.#subscriber ? 'subscriber' : 'publisher';
      this.#report(new UpsocketError('UPSOCKET_BACKEND_UNAVAILABLE', `Redis at ${this.#link.address} (${role} connection): ${error.message}; reconnecting`));
    }
  }

  #notConnected(client: RedisClient): Error {
    const cause = this.#lastError.get(client);
    return new Error(cause === undefined ? `not connected after ${this.#timeout} ms` : cause.message);
  }

  #unavailable(what: string, error: unknown, consequence: string): Error {
    if (error instanceof UpsocketError && error.code === 'UPSOCKET_TOPICS_CLOSED') return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new UpsocketError('UPSOCKET_BACKEND_UNAVAILABLE', `${what}: Redis at ${this.#link.address} is unavailable (${reason}). ${consequence}`);
  }

  #assertOpen(action: string): void {
    if (this.#closed) throw new UpsocketError('UPSOCKET_TOPICS_CLOSED', `Cannot ${action}: the Redis backend was closed`);
  }
}
