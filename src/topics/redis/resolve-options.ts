import { UpsocketError } from '../../core/index.js';
import { aString, atLeast, defineOptions, positiveInteger, type OptionCheck, type Resolved } from '../../core/internal.js';
import type { RedisBackendOptions, RedisClusterOptions } from './redis-options.js';

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
  presenceLease: { default: 10_000, check: atLeast(300) },
  onError: { default: logError },
});

/** @internal `createRedisBackend()`'s options, defaulted and checked. */
export function resolveRedisOptions(options: RedisBackendOptions): RedisBackendSettings {
  // Checked first: options that are no object get the resolver's own message.
  const settings = redisBackendOptions.resolve('createRedisBackend()', options);
  // The caller's own url, not the default, is what conflicts with a cluster.
  if (options.url !== undefined && options.cluster !== undefined) {
    throw invalid('createRedisBackend(): url and cluster exclude each other: give the cluster its nodes in cluster.nodes');
  }
  return settings;
}
