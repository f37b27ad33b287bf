import { UpsocketError } from '../../core/index.js';
import { aString, defineOptions, positiveInteger, type OptionCheck, type Resolved } from '../../core/internal.js';

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
  /** Connection trouble, once per outage, and messages on our channels that upsocket did not publish. Default: logs to stderr. */
  onError?: ((error: Error) => void) | undefined;
}

/** The options once defaulted; `cluster` is false without one. */
export type RedisBackendSettings = Resolved<Omit<RedisBackendOptions, 'cluster'>> & { cluster: RedisClusterOptions | false };

function logError(error: Error): void {
  console.error(`upsocket/redis: ${error.message}`);
}

function invalid(message: string): UpsocketError {
  return new UpsocketError('UPSOCKET_INVALID_OPTION', message);
}

const aCluster: OptionCheck<unknown> = (value, key) => {
  const nodes = (value as { nodes?: unknown } | null)?.nodes;
  if (typeof value !== 'object' || !Array.isArray(nodes) || nodes.length === 0 || !nodes.every((node) => typeof node === 'string')) {
    throw invalid(`${key} must be { nodes: string[] } with at least one node URL`);
  }
  const options = (value as { options?: unknown }).options;
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw invalid(`${key}.options must be an object`);
};

const redisBackendOptions = defineOptions<RedisBackendSettings>({
  url: { default: 'redis://127.0.0.1:6379' },
  cluster: { default: false, check: aCluster },
  redisOptions: { default: {} },
  prefix: { default: 'upsocket:', check: aString },
  timeout: { default: 2000, check: positiveInteger },
  onError: { default: logError },
});

/** @internal `createRedisBackend()`'s options, defaulted and checked. */
export function resolveRedisOptions(options: RedisBackendOptions): RedisBackendSettings {
  // Before defaults fill `url` in: only the caller's own url conflicts with a cluster.
  if (options.url !== undefined && options.cluster !== undefined) {
    throw invalid('createRedisBackend(): url and cluster exclude each other: give the cluster its nodes in cluster.nodes');
  }
  return redisBackendOptions.resolve('createRedisBackend()', options);
}
