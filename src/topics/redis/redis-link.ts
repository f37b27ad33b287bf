import type { Cluster, Redis } from 'ioredis';

/** A connection the Redis backend commands: one server's, or a whole cluster's. */
export type RedisClient = Redis | Cluster;

/**
 * @internal The Redis backend's two connections and the commands pub/sub takes on them, so that
 * redis-backend.ts reads the same for one server (PUBLISH/SUBSCRIBE, single-link.ts) and for a
 * cluster (sharded pub/sub, SPUBLISH/SSUBSCRIBE, cluster-link.ts).
 */
export interface RedisLink {
  /** Publishes, runs the history's scripts. */
  readonly publisher: RedisClient;
  /** Subscribes; in subscriber mode, so it runs nothing else. */
  readonly subscriber: RedisClient;
  /** The command the history's publish script sends its message with: the subscriber's counterpart. */
  readonly publishCommand: 'PUBLISH' | 'SPUBLISH';
  /** host:port (or the socket path; for a cluster, its startup nodes) for messages; never the password. */
  readonly address: string;
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channels: string[]): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** `listener` gets every message on the subscribed channels. */
  onMessage(listener: (channel: Buffer, data: Buffer) => void): void;
  /**
   * `listener` is called whenever the subscriptions have to be made again: after the subscriber
   * connection (with a cluster, any shard's) was lost and is back.
   */
  onResubscribe(listener: () => void): void;
}

/** A retry every 100 ms, then every 200 ms..., at most every second: a restarted Redis is found quickly. */
export function retryStrategy(attempt: number): number {
  return Math.min(attempt * 100, 1000);
}

export function noop(): void {}

export function disconnect(client: RedisClient): Promise<void> {
  // QUIT lets replies in flight arrive; without a connection there is nothing to wait for.
  if (client.status === 'ready') return client.quit().then(noop, () => client.disconnect());
  client.disconnect();
  return Promise.resolve();
}
