// The public options of `createRedisBackend()`: types only, no imports, so the declarations of
// `upsocket/redis` need nothing else (resolve-options.ts defaults and checks them).

/** What `createRedisBackend({ cluster })` takes; see `RedisBackendOptions.cluster`. */
export interface RedisClusterOptions {
  /** Some of the cluster's nodes, `redis://[user:password@]host:port`; the rest are found from them. */
  nodes: string[];
  /**
   * More ioredis Cluster options (`natMap`, `slotsRefreshInterval`, `clusterRetryStrategy`...). Typed
   * loosely so that upsocket's types do not require ioredis's. upsocket sets its own
   * `enableOfflineQueue`, `shardedSubscribers` and `redisOptions` (from the backend's `redisOptions`).
   */
  options?: Record<string, unknown> | undefined;
}

/** Options of `createRedisBackend()`. */
export interface RedisBackendOptions {
  /** The server: `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. Default: `redis://127.0.0.1:6379`. Not with `cluster`. */
  url?: string | undefined;
  /**
   * A Redis Cluster (Redis >= 7) instead of one server: `{ nodes: ['redis://10.0.0.1:7000', ...] }`.
   * Topics then use sharded pub/sub (SPUBLISH/SSUBSCRIBE): a topic's messages load only the shard
   * that owns its slot. A topic's slot is its channel's, `<prefix><topic>`; a topic holding a Redis
   * hash tag (`room:{42}:chat`) is placed by the tag alone. Default: none.
   *
   * @example
   * createRedisBackend({ cluster: { nodes: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000'] } })
   */
  cluster?: RedisClusterOptions | undefined;
  /**
   * More ioredis options (`tls`, `password`, `retryStrategy`...), applied over the URL's (with a
   * cluster: to each node's connection). Typed loosely so that upsocket's types do not require
   * ioredis's. upsocket sets its own `enableOfflineQueue`, `autoResubscribe`,
   * `autoResendUnfulfilledCommands` and `commandTimeout`.
   */
  redisOptions?: Record<string, unknown> | undefined;
  /** Prepended to each topic to make its Redis channel, so apps can share one Redis. Default: `'upsocket:'`. */
  prefix?: string | undefined;
  /** How long `publish()` and `subscribe()` wait for Redis to connect or answer, in ms. Default: 2000. */
  timeout?: number | undefined;
  /**
   * Presence (`topics.track()`): how long, in ms, a process's liveness lease lasts. It is renewed
   * every third of that; a process that dies without closing (SIGKILL, a lost host) has its
   * members removed, and every process's presence subscribers told, within `presenceLease` ×
   * 1.2 (the lease, then a sweep every fifth of it). Shorter removes dead members sooner and sends
   * Redis more renewals. Default: 10000 (dead members gone within 12 s).
   *
   * @example
   * createRedisBackend({ url: process.env.REDIS_URL, presenceLease: 5000 }) // gone within 6 s
   */
  presenceLease?: number | undefined;
  /** Connection trouble, once per outage, and messages on our channels that upsocket did not publish. Default: logs to stderr. */
  onError?: ((error: Error) => void) | undefined;
}
