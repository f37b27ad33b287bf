// The topics rows of the table: upsocket's topics (createTopics), measured once per run by
// bench/topics.ts. They have no raw-ws counterpart, so their cells carry no ratio; the other
// libraries have no topics API.
import { redisCli, redisServer } from '../test/helpers/external-programs.js';
import type { Collector } from './results.js';
import type { BenchSettings } from './settings.js';
import type { ServerEntry } from './servers/index.js';
import { measureMemoryLatency, measureReplay } from './topics-history.js';
import { measureBroadcast, measureRedisLatency, TOPICS_FULL, TOPICS_QUICK } from './topics.js';

export const TOPICS_SERVER = 'upsocket-node-http';
export const TOPIC_METRICS = [
  'topic-broadcast',
  'topic-memory-p50',
  'topic-memory-p99',
  'topic-history-p50',
  'topic-history-p99',
  'topic-replay',
  'topic-redis-p50',
  'topic-redis-p99',
  'topic-redis-history-p50',
  'topic-redis-history-p99',
  'topic-redis-cluster-p50',
  'topic-redis-cluster-p99',
] as const;

/** The history the "history on" rows keep per topic (the chat demo's). */
const HISTORY = 1000;

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
  // Latency rows: one measurement gives a p50 and a p99 row; a failure marks both.
  const latencyRows = async (prefix: string, label: string, measure: () => Promise<{ p50Ms: number; p99Ms: number }>): Promise<void> => {
    try {
      const { p50Ms, p99Ms } = await measure();
      collect.add(`${prefix}-p50`, TOPICS_SERVER, p50Ms);
      collect.add(`${prefix}-p99`, TOPICS_SERVER, p99Ms);
      log(`  topics ${label}: p50 ${p50Ms.toFixed(3)} ms, p99 ${p99Ms.toFixed(3)} ms`);
    } catch (error) {
      // The Redis rows need a redis-server binary (Debian package redis-server), the cluster row
      // redis-cli too (redis-tools); the row says which is missing instead of failing the run.
      for (const id of [`${prefix}-p50`, `${prefix}-p99`]) collect.notApplicable(id, TOPICS_SERVER, reason(error));
    }
  };
  await latencyRows('topic-memory', 'in memory, history off', () => measureMemoryLatency(topics));
  await latencyRows('topic-history', 'in memory, history on', () => measureMemoryLatency(topics, HISTORY));
  try {
    const replay = await measureReplay(topics);
    collect.add('topic-replay', TOPICS_SERVER, replay.replayMs);
    log(`  topics replay of ${replay.messages}: ${replay.replayMs.toFixed(1)} ms`);
  } catch (error) {
    collect.notApplicable('topic-replay', TOPICS_SERVER, reason(error));
  }
  await latencyRows('topic-redis', 'via Redis', () => measureRedisLatency(topics));
  await latencyRows('topic-redis-history', 'via Redis, history on', () => measureRedisLatency(topics, HISTORY));
  const missing = [redisServer, redisCli].filter((program) => program.path() === undefined);
  if (missing.length > 0) {
    const why = `skipped: ${missing.map((program) => `${program.name} missing (${program.install})`).join(', ')}`;
    for (const id of ['topic-redis-cluster-p50', 'topic-redis-cluster-p99']) collect.notApplicable(id, TOPICS_SERVER, why);
    log(`  topics via a Redis Cluster: ${why}`);
  } else {
    await latencyRows('topic-redis-cluster', 'via a Redis Cluster of 3 masters', () => measureRedisLatency(topics, undefined, true));
  }
}
