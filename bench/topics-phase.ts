// The topics rows of the table: upsocket's topics (createTopics), measured once per run by
// bench/topics.ts. They have no raw-ws counterpart, so their cells carry no ratio; the other
// libraries have no topics API.
import type { Collector } from './results.js';
import type { BenchSettings } from './settings.js';
import type { ServerEntry } from './servers/index.js';
import { measureBroadcast, measureRedisLatency, TOPICS_FULL, TOPICS_QUICK } from './topics.js';

export const TOPICS_SERVER = 'upsocket-node-http';
export const TOPIC_METRICS = ['topic-broadcast', 'topic-redis-p50', 'topic-redis-p99'] as const;

function reason(error: unknown): string {
  return `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
}

export async function runTopicsPhase(
  entries: readonly ServerEntry[],
  settings: BenchSettings,
  collect: Collector,
  log: (line: string) => void,
): Promise<void> {
  for (const { name } of entries) {
    if (name === TOPICS_SERVER) continue;
    const why = name.startsWith('upsocket') ? 'same topics code: see upsocket node-http' : 'no topics API';
    for (const id of TOPIC_METRICS) collect.notApplicable(id, name, why);
  }
  if (!entries.some((entry) => entry.name === TOPICS_SERVER)) return;
  const topics = settings.mode === 'quick' ? TOPICS_QUICK : TOPICS_FULL;
  try {
    const broadcast = await measureBroadcast(topics);
    collect.add('topic-broadcast', TOPICS_SERVER, broadcast.publish.deliveredMs);
    log(`  topics broadcast to ${broadcast.connections}: ${broadcast.publish.deliveredMs.toFixed(2)} ms (sendText loop ${broadcast.sendEach.deliveredMs.toFixed(2)} ms)`);
  } catch (error) {
    collect.notApplicable('topic-broadcast', TOPICS_SERVER, reason(error));
  }
  try {
    const redis = await measureRedisLatency(topics);
    collect.add('topic-redis-p50', TOPICS_SERVER, redis.p50Ms);
    collect.add('topic-redis-p99', TOPICS_SERVER, redis.p99Ms);
    log(`  topics via Redis: p50 ${redis.p50Ms.toFixed(2)} ms, p99 ${redis.p99Ms.toFixed(2)} ms`);
  } catch (error) {
    // Needs a redis-server binary (Debian package redis-server); the row says so instead of failing the run.
    for (const id of ['topic-redis-p50', 'topic-redis-p99']) collect.notApplicable(id, TOPICS_SERVER, reason(error));
  }
}
