import type { PreparedMessage } from './prepared-message.js';
import type { PresenceBackend } from './presence-backend.js';

/** Receives the messages published to a topic; registered with `TopicBackend.subscribe()`. */
export type TopicListener = (topic: string, message: PreparedMessage) => void;

/** How much history each topic keeps: the `history` option of `createTopics()`. */
export interface TopicHistoryOptions {
  /** The most messages kept per topic; older ones are dropped first. Default: 1000. */
  maxMessages?: number | undefined;
  /** How long a message is kept, in ms. Default: no limit (only `maxMessages` applies). */
  maxAge?: number | undefined;
}

/**
 * Given to `keepHistory()`: messages of `topic` went missing on their way to this process's
 * listeners (for Redis: its subscriber connection was down longer than the history reaches, or the
 * stream was lost meanwhile). `after` is the newest id the listeners got before the call
 * (undefined when none); the topic's next messages come after the hole.
 */
export type TopicGapListener = (topic: string, after: string | undefined) => void;

/** What a backend keeping history answers to `replay()`. */
export interface TopicReplay {
  /** The kept messages after the id asked for, oldest first, each with its `id`. */
  messages: PreparedMessage[];
  /** The topic's newest id (at least the last of `messages`); undefined before its first message. */
  last: string | undefined;
  /**
   * False only when `since` is an id this very history gave and everything after it is kept.
   * True when messages after it were dropped by the history's bounds, or it is not an id this
   * history can place: another process's epoch, a history lost and recreated (Redis FLUSHALL,
   * restart, eviction, DEL), never given, malformed; `messages` then holds what is kept after it.
   */
  gap: boolean;
}

/**
 * Carries published messages to the `Topics` of every process. Four operations, so another
 * service (PostgreSQL LISTEN/NOTIFY, NATS) fits behind it: `createMemoryBackend()` is the one for a
 * single process, `createRedisBackend()` from `upsocket/redis` the one for several.
 *
 * The contract:
 * - `publish()` calls this process's listeners of the topic synchronously, before it returns (so
 *   local delivery works while the service is down), and throws what they throw. It then sends the
 *   message to the other processes; the promise resolves once the service took it and rejects with
 *   `UPSOCKET_BACKEND_UNAVAILABLE` when it could not. A process never receives its own message twice.
 *   A backend keeping history resolves with the message's id; without history, with nothing
 *   (`undefined`), which `Topics.publish()` passes on as is.
 * - Messages from one publisher to one topic reach each listener in the order they were published;
 *   each at most once (a message lost in an outage is not sent again).
 * - `subscribe()` with a listener already subscribed to the topic, or `unsubscribe()` with one
 *   that is not, does nothing. Their promises resolve once the service knows; a subscription the
 *   service could not take now is kept and made when it is reachable again.
 * - `close()` drops every listener and releases connections; afterwards the other methods throw
 *   `UPSOCKET_TOPICS_CLOSED`.
 *
 * History is optional: a backend that keeps it has both `keepHistory()` and `replay()`.
 * - `keepHistory(bounds, onGap)` is called once, by `createTopics({ history })`, before any other
 *   call, with the resolved `TopicHistoryOptions` (`maxAge` is `Infinity` for no limit).
 *   From then on the backend gives every message published to a topic an id (`message.withId(id)`,
 *   `"<ms>-<seq>"`, see `compareIds()`) greater than the topic's previous ones, hands listeners
 *   the message with its id, and keeps it within the bounds. Local listeners may then get it once
 *   the id is known rather than before `publish()` returns (the Redis backend hands every process,
 *   this one included, its messages through Redis, so that all see one order).
 * - A backend that can lose messages on their way to this process's listeners (Redis's pub/sub
 *   while its subscriber connection is down) makes up for it from the history, and calls
 *   `onGap(topic, after)` when it cannot: `after` is the newest id the listeners got before the
 *   call (what it could bring back included); what they get after the call came after the loss.
 *   One that cannot lose them (memory) never calls it.
 * - Listeners receive each topic's messages in id order.
 * - `replay(topic, since)` resolves to what is kept after `since` (see `TopicReplay`); without
 *   `since`, to no messages and the topic's newest id.
 *
 * @example
 * const topics = createTopics({ backend: createMemoryBackend() })
 */
export interface TopicBackend {
  /** `void` is allowed so that backends written before ids (`async publish() {}`) still fit. */
  publish(topic: string, message: PreparedMessage): Promise<string | void>;
  subscribe(topic: string, listener: TopicListener): Promise<void>;
  unsubscribe(topic: string, listener: TopicListener): Promise<void>;
  close(): Promise<void>;
  /** `onGap` is optional so that backends written before it still fit; `createTopics()` always gives it. */
  keepHistory?(bounds: { maxMessages: number; maxAge: number }, onGap?: TopicGapListener): void;
  replay?(topic: string, since: string | undefined): Promise<TopicReplay>;
  /** Presence across processes (see `PresenceBackend`); without it, presence covers this process only. */
  readonly presence?: PresenceBackend | undefined;
}
