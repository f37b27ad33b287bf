// What the socket.io stack's nodes and publisher share: the Redis client and the Redis Streams
// adapter (https://socket.io/docs/v4/redis-streams-adapter/), the only socket.io adapter that both
// spans nodes and supports connection state recovery: every broadcast is an entry of one Redis
// stream, and a recovering client is sent the entries after its last offset.
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';

/** The event every published message goes out under; its one argument is contract.ts's encoded message. */
export const MESSAGE_EVENT = 'm';
/** The event a node sends each socket on connection: `{ server }`, which node it is on. */
export const HELLO_EVENT = 'hello';

export function intEnv(name: string, fallback?: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`${name} is not set`);
  }
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`${name}=${value} is not a number`);
  return number;
}

export function stringEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

/** An ioredis client (the adapter takes ioredis or node-redis); a dead Redis must not hang the bench. */
export function redisClient(url: string, connectionName?: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 3, ...(connectionName === undefined ? {} : { connectionName }) });
  // The adapter swallows its duplicated clients' errors; do the same, so a refused reconnect while
  // the bench tears Redis down is not an unhandled 'error'.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * The adapter, on one stream for every topic (one namespace). Its history is the stream's length,
 * for all topics together, where upsocket keeps DEPLOY_HISTORY per topic: the stream keeps
 * history × topics entries (at least the adapter's default 10,000), so neither stack replays less.
 */
export function streamsAdapter(redis: Redis): ReturnType<typeof createAdapter> {
  const history = intEnv('DEPLOY_HISTORY', 1000) * intEnv('DEPLOY_TOPICS');
  return createAdapter(redis, { maxLen: Math.max(10_000, history) });
}
