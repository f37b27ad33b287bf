import type { PreparedMessage } from './prepared-message.js';

/** Receives the messages published to a topic; registered with `TopicBackend.subscribe()`. */
export type TopicListener = (topic: string, message: PreparedMessage) => void;

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
 * - Messages from one publisher to one topic reach each listener in the order they were published;
 *   each at most once (a message lost in an outage is not sent again).
 * - `subscribe()` with a listener already subscribed to the topic, or `unsubscribe()` with one
 *   that is not, does nothing. Their promises resolve once the service knows; a subscription the
 *   service could not take now is kept and made when it is reachable again.
 * - `close()` drops every listener and releases connections; afterwards the other methods throw
 *   `UPSOCKET_TOPICS_CLOSED`.
 *
 * @example
 * const topics = createTopics({ backend: createMemoryBackend() })
 */
export interface TopicBackend {
  publish(topic: string, message: PreparedMessage): Promise<void>;
  subscribe(topic: string, listener: TopicListener): Promise<void>;
  unsubscribe(topic: string, listener: TopicListener): Promise<void>;
  close(): Promise<void>;
}
