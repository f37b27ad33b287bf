// Redis Cluster through ioredis's Cluster: https://github.com/redis/ioredis#cluster
import { Cluster, type RedisOptions } from 'ioredis';
import { retryStrategy, type RedisLink } from './redis-link.js';
import type { RedisClusterOptions } from './redis-options.js';

// What the constructor takes: with exactOptionalPropertyTypes, ioredis's own ClusterOptions is refused.
type ClusterOptions = NonNullable<ConstructorParameters<typeof Cluster>[1]>;

/** `host:port` of each node, for messages: a node's URL may hold a password. */
function describeNodes(nodes: string[]): string {
  return nodes
    .map((node) => {
      try {
        const { hostname, port } = new URL(node);
        return `${hostname}:${port || 6379}`;
      } catch {
        return '(a node)';
      }
    })
    .join(',');
}

/**
 * @internal A Redis Cluster (Redis >= 7): sharded pub/sub, so each topic's messages go through the
 * shard that owns its channel's slot (SPUBLISH) and reach only the processes subscribed there
 * (SSUBSCRIBE, one subscriber connection per shard), where plain PUBLISH would be copied to every
 * node. A topic's stream key and its channel are the same string, so they share a slot: the
 * history's script, which adds to the one and publishes on the other, runs on that slot's node.
 */
export function clusterLink(cluster: RedisClusterOptions, redisOptions: Record<string, unknown>, timeout: number): RedisLink {
  const nodeOptions: Omit<RedisOptions, 'replyMapping'> = {
    ...(redisOptions as RedisOptions),
    // As with one server: a command Redis may have run before its connection dropped is not sent
    // again. The node connections keep their offline queue: ioredis opens them on first use.
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeout,
  };
  const clusterOptions = (shardedSubscribers: boolean): ClusterOptions => ({
    clusterRetryStrategy: retryStrategy,
    ...(cluster.options as ClusterOptions),
    redisOptions: nodeOptions,
    // Fail fast instead of queueing while the cluster is unreachable, as with one server.
    enableOfflineQueue: false,
    shardedSubscribers,
  });
  const publisher = new Cluster(cluster.nodes, clusterOptions(false));
  // ioredis keeps one subscriber connection per master and sends each SSUBSCRIBE to its slot's.
  const subscriber = new Cluster(cluster.nodes, clusterOptions(true));
  /** The channels SSUBSCRIBE was sent for: sending one again repeats it in ioredis's list. */
  const subscribed = new Set<string>();
  return {
    publisher,
    subscriber,
    publishCommand: 'SPUBLISH',
    address: describeNodes(cluster.nodes),
    publish: (channel, message) => publisher.spublish(channel, message),
    // SSUBSCRIBE takes channels of one slot at a time.
    subscribe: (channels) => {
      const again = channels.some((channel) => subscribed.has(channel));
      for (const channel of channels) subscribed.add(channel);
      const done = Promise.all(channels.map((channel) => subscriber.ssubscribe(channel)));
      // Only a resubscribe repeats channels: a topic's first subscription scans nothing, unless
      // it fails. ioredis also adds the channel again at each retry of a redirected SSUBSCRIBE (a
      // shard is down), so the list is cleaned once the command is settled too.
      const clean = (): void => forgetRepeatedChannels(subscriber);
      if (again) clean();
      done.then(again ? clean : undefined, clean);
      return done;
    },
    unsubscribe: (channel) => {
      subscribed.delete(channel);
      return subscriber.sunsubscribe(channel);
    },
    onMessage: (listener) => subscriber.on('smessageBuffer', listener),
    onResubscribe: (listener) => onSubscribersReady(subscriber, listener),
  };
}

/**
 * After a shard's subscriber connection is replaced, ioredis subscribes it again to the channels it
 * had, then says 'subscribersReady'; the backend subscribes again too, so that it knows when the
 * subscriptions are live (with history: when to read what was missed from the streams). That
 * event can come before the cluster is ready (at the start, after an outage), when no command can
 * be sent: then `listener` runs once it is ready, once however many such events came.
 */
function onSubscribersReady(subscriber: Cluster, listener: () => void): void {
  let waiting = false;
  subscriber.on('subscribersReady', () => {
    if (subscriber.status === 'ready') listener();
    else if (!waiting) {
      waiting = true;
      subscriber.once('ready', () => {
        waiting = false;
        listener();
      });
    }
  });
}

/**
 * ioredis (6.0) adds a channel to its list of each slot's channels on every SSUBSCRIBE, even when
 * the list has it, and sends the whole list again whenever it replaces a shard's subscriber
 * connection. The backend subscribes again after each 'subscribersReady' (to know when the
 * subscriptions are live), so without this the list would grow by every topic at each retry
 * during an outage, and each later reconnect would send it all. Keeps each channel once; the
 * list is ioredis's internal state, so when its shape is not the expected one this does nothing.
 */
function forgetRepeatedChannels(subscriber: Cluster): void {
  const channels = (subscriber as unknown as { shardedSubscribers?: { channels?: unknown } }).shardedSubscribers?.channels;
  if (!(channels instanceof Map)) return;
  for (const [slot, list] of channels as Map<unknown, unknown>) {
    if (!Array.isArray(list)) continue;
    const unique = new Set(list);
    if (unique.size !== list.length) channels.set(slot, [...unique]);
  }
}
