// The setup several Redis history tests share: a redis-server, an app server whose topics are
// `here`, a second process's topics `elsewhere`, and one enveloped client in 'room' that already
// got 'before' (published elsewhere, so it came through Redis).
import { createTopics, type TopicHistoryOptions } from '../../src/index.js';
import { createRedisBackend } from '../../src/topics/redis/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { RedisServer } from '../helpers/redis-server.js';
import { nextEnvelope, startHistoryServer } from './history-server.js';

/** Topics with history and the envelope over a Redis backend that reports nothing. */
export function redisTopics(url: string, history: TopicHistoryOptions, more: Parameters<typeof createRedisBackend>[0] = {}) {
  return createTopics({ backend: createRedisBackend({ url, onError: () => {}, ...more }), history, envelope: true });
}

export async function roomWithOneClient() {
  const redis = await RedisServer.start();
  const [here, elsewhere] = [redisTopics(redis.url, {}), redisTopics(redis.url, {})];
  onCleanup(() => elsewhere.close());
  const { join } = await startHistoryServer(here);
  const client = await join('room');
  await nextEnvelope(client);
  await elsewhere.publish('room', 'before');
  return { redis, here, elsewhere, client };
}
