// Redis pub/sub backend for upsocket's topics, through ioredis: https://github.com/redis/ioredis
import type { TopicBackend } from '../backend.js';
import { RedisBackend } from './redis-backend.js';
import type { RedisBackendOptions } from './redis-options.js';

export type { RedisBackendOptions, RedisClusterOptions } from './redis-options.js';

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
 * With `cluster` (Redis >= 7) it works the same over a Redis Cluster, with sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE): each topic's messages, and its stream, live on the shard that owns the
 * slot of `<prefix><topic>`, so a busy topic loads one shard, not all of them.
 *
 * @example
 * import { createTopics } from 'upsocket'
 * import { createRedisBackend } from 'upsocket/redis'
 *
 * const topics = createTopics({ backend: createRedisBackend({ url: process.env.REDIS_URL }) })
 * // in any process, for instance a background job:
 * await topics.publish(`user:${userId}`, { type: 'export-ready', url })
 *
 * // or over a Redis Cluster, from any of its nodes:
 * createRedisBackend({ cluster: { nodes: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'] } })
 */
export function createRedisBackend(options?: RedisBackendOptions): TopicBackend {
  return new RedisBackend(options);
}
