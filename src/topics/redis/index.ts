// Redis pub/sub backend for upsocket's topics, through ioredis: https://github.com/redis/ioredis
import type { TopicBackend } from '../backend.js';
import { RedisBackend, type RedisBackendOptions } from './redis-backend.js';

export type { RedisBackendOptions } from './redis-backend.js';

/**
 * A topics backend that reaches every process connected to the same Redis server: for Node's
 * cluster, several containers behind a load balancer, or a background job publishing to users
 * connected elsewhere. Needs `ioredis` (`npm install ioredis`).
 *
 * Each backend keeps two connections to Redis, one to publish and one subscriber connection for
 * all topics, and reconnects by itself; after a reconnect it subscribes again to every topic it
 * has subscribers for. While Redis is unreachable, `publish()` still delivers to this process's
 * subscribers and rejects with `UPSOCKET_BACKEND_UNAVAILABLE`; messages published elsewhere in the
 * meantime are not delivered later (at most once). Create one per process and hand it to
 * `createTopics()`, whose `close()` closes it.
 *
 * With `createTopics({ history })`, each topic also has a Redis stream (the key `<prefix><topic>`)
 * holding its last `maxMessages` messages (and none older than `maxAge`); ids are the stream's
 * entry ids. One script adds a message to the stream and publishes it, so every process receives
 * a topic's messages in id order, this one too: with history, nobody gets a message Redis did not take.
 *
 * @example
 * import { createTopics } from 'upsocket'
 * import { createRedisBackend } from 'upsocket/redis'
 *
 * const topics = createTopics({ backend: createRedisBackend({ url: process.env.REDIS_URL }) })
 * // in any process, for instance a background job:
 * await topics.publish(`user:${userId}`, { type: 'export-ready', url })
 */
export function createRedisBackend(options?: RedisBackendOptions): TopicBackend {
  return new RedisBackend(options);
}
