import { Redis, type RedisOptions } from 'ioredis';
import { retryStrategy, type RedisLink } from './redis-link.js';

/** @internal One Redis server: a publishing connection and one subscriber connection for every topic. */
export function singleNodeLink(url: string, redisOptions: Record<string, unknown>, timeout: number): RedisLink {
  // Without replyMapping: ioredis types it `ReplyMappingMode | undefined` in RedisOptions but its
  // constructor takes no undefined there, so under exactOptionalPropertyTypes its own type is refused.
  const clientOptions: Omit<RedisOptions, 'replyMapping'> = {
    retryStrategy,
    ...(redisOptions as RedisOptions),
    // Fail fast instead of queueing while disconnected: publish() reports the outage itself.
    enableOfflineQueue: false,
    // We resubscribe from our own list on every 'ready', including topics added while down.
    autoResubscribe: false,
    // A PUBLISH that Redis may have run before the connection dropped is not sent again: at most once.
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeout,
  };
  const publisher = new Redis(url, clientOptions);
  const subscriber = new Redis(url, clientOptions);
  const { host, port, path } = publisher.options;
  return {
    publisher,
    subscriber,
    publishCommand: 'PUBLISH',
    address: path ?? `${host ?? '127.0.0.1'}:${port ?? 6379}`,
    publish: (channel, message) => publisher.publish(channel, message),
    subscribe: (channels) => subscriber.subscribe(...channels),
    unsubscribe: (channel) => subscriber.unsubscribe(channel),
    onMessage: (listener) => subscriber.on('messageBuffer', listener),
    // One subscriber connection for every topic: after each (re)connect it subscribes to all of them.
    onResubscribe: (listener) => subscriber.on('ready', listener),
  };
}
