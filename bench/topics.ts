// Topics benchmark: `npx tsx bench/topics.ts [--quick] [--json] [--cluster]`.
//
// 1. In-process broadcast: one 64 B text message to every one of 10,000 connections subscribed to
//    one topic, with the memory backend. Server and clients are separate processes; reported is
//    the median over repeats of (a) how long `topics.publish()` itself takes (JSON-free text, one
//    frame built, the same bytes written to every socket), (b) until every socket's writes left,
//    and (c) until the last client received it. The same message sent with one `sendText()` per
//    connection (a frame built per connection) is measured alongside.
// 2. Cross-process latency through Redis: this process publishes through its own Redis backend;
//    subscribers are connected to a server in another process with another backend, on a
//    redis-server of our own. Latency is publish() to arrival at each client, p50 and p99 over
//    every delivery. `--cluster` measures only this, through a Redis Cluster of three masters
//    (sharded pub/sub) instead of one redis-server: the "Redis Cluster fan-out" row.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRedisBackend, type RedisBackendOptions } from '../src/topics/redis/index.js';
import { createTopics } from '../src/index.js';
import { RedisCluster } from '../test/helpers/redis-cluster.js';
import { RedisServer } from '../test/helpers/redis-server.js';
import { TopicsBenchChild } from './topics-child.js';
import { collected, latencyClients, percentile, publishAtRate } from './topics-latency.js';

export interface TopicsBenchSettings {
  connections: number;
  repeats: number;
  latency: { subscribers: number; messages: number; rate: number };
  /** How many messages a resuming subscriber is replayed (bench/topics-history.ts). */
  replay: number;
}

export const TOPICS_FULL: TopicsBenchSettings = { connections: 10_000, repeats: 7, latency: { subscribers: 100, messages: 2000, rate: 1000 }, replay: 10_000 };
export const TOPICS_QUICK: TopicsBenchSettings = { connections: 1000, repeats: 3, latency: { subscribers: 20, messages: 200, rate: 500 }, replay: 10_000 };

interface Timing {
  start: number;
  callMs: number;
  flushedMs: number;
}

/** Medians over the repeats, in ms. */
export interface BroadcastResult {
  connections: number;
  publish: { callMs: number; flushedMs: number; deliveredMs: number };
  sendEach: { callMs: number; flushedMs: number; deliveredMs: number };
}

export interface RedisLatencyResult {
  subscribers: number;
  messages: number;
  rate: number;
  deliveries: number;
  p50Ms: number;
  p99Ms: number;
}

export interface TopicsBenchResult {
  broadcast: BroadcastResult;
  redis: RedisLatencyResult;
}

function medians(samples: { timing: Timing; deliveredAt: number }[]): BroadcastResult['publish'] {
  return {
    callMs: percentile(samples.map((sample) => sample.timing.callMs), 50),
    flushedMs: percentile(samples.map((sample) => sample.timing.flushedMs), 50),
    deliveredMs: percentile(samples.map((sample) => sample.deliveredAt - sample.timing.start), 50),
  };
}

export async function measureBroadcast(settings: TopicsBenchSettings): Promise<BroadcastResult> {
  const files = settings.connections + 2048;
  const server = new TopicsBenchChild('./topics-server.ts', {}, files);
  const load = new TopicsBenchChild('./topics-clients.ts', {}, files);
  try {
    const port = (await server.ready) as number;
    await load.ready;
    await load.request('connect', { port, path: '/topics/bench', count: settings.connections });
    const subscribers = await server.request<number>('subscribers', { topic: 'bench' });
    if (subscribers !== settings.connections) throw new Error(`${subscribers} of ${settings.connections} subscribed`);

    const text = 'x'.repeat(64);
    let frames = 1; // each client's 'subscribed'
    const publish: { timing: Timing; deliveredAt: number }[] = [];
    const sendEach: { timing: Timing; deliveredAt: number }[] = [];
    // Two warm-up rounds, not counted.
    for (let round = -2; round < settings.repeats; round++) {
      for (const [cmd, samples] of [['publish', publish], ['sendEach', sendEach]] as const) {
        const timing = await server.request<Timing>(cmd, { topic: 'bench', text });
        const deliveredAt = await load.request<number>('waitAll', { frames: ++frames });
        if (round >= 0) samples.push({ timing, deliveredAt });
      }
    }
    return { connections: settings.connections, publish: medians(publish), sendEach: medians(sendEach) };
  } finally {
    server.stop();
    load.stop();
  }
}

/** The Redis the Redis rows go through, started for one measurement. */
interface RedisTarget {
  /** For bench/topics-server.ts: REDIS_URL or REDIS_CLUSTER. */
  env: Record<string, string>;
  backend: RedisBackendOptions;
  stop(): Promise<void>;
}

/** One redis-server of our own, or (`cluster`) a Redis Cluster of three masters (test/helpers/redis-cluster.ts). */
async function launchRedis(cluster: boolean): Promise<RedisTarget> {
  if (!cluster) {
    const redis = await RedisServer.launch();
    return { env: { REDIS_URL: redis.url }, backend: { url: redis.url }, stop: () => redis.stop() };
  }
  let started: RedisCluster | undefined;
  try {
    const nodes = (await RedisCluster.launch((starting) => (started = starting))).urls;
    return { env: { REDIS_CLUSTER: nodes.join(',') }, backend: { cluster: { nodes } }, stop: () => started!.stop() };
  } catch (error) {
    await started?.stop();
    throw error;
  }
}

/**
 * `history`: both processes' topics keep a history of that many messages per topic (Redis
 * streams). `cluster`: through a Redis Cluster of three masters (sharded pub/sub) instead of one server.
 */
export async function measureRedisLatency(settings: TopicsBenchSettings, history?: number, cluster = false): Promise<RedisLatencyResult> {
  const { subscribers, messages, rate } = settings.latency;
  const redis = await launchRedis(cluster);
  const env: Record<string, string> = { ...redis.env, ...(history !== undefined && { HISTORY: String(history) }) };
  const server = new TopicsBenchChild('./topics-server.ts', env, subscribers + 1024);
  const topics = createTopics({ backend: createRedisBackend(redis.backend), history: history === undefined ? undefined : { maxMessages: history } });
  let clients: { terminate(): void }[] = [];
  try {
    const port = (await server.ready) as number;
    const subscribed = await latencyClients(port, '/topics/latency', subscribers);
    clients = subscribed.clients;
    await publishAtRate((text) => topics.publish('latency', text), messages, rate);
    return { subscribers, messages, rate, ...(await collected(subscribed.latencies, messages * subscribers)) };
  } finally {
    for (const ws of clients) ws.terminate();
    await topics.close();
    server.stop();
    await redis.stop();
  }
}

export async function runTopicsBench(settings: TopicsBenchSettings): Promise<TopicsBenchResult> {
  const broadcast = await measureBroadcast(settings);
  const redis = await measureRedisLatency(settings);
  return { broadcast, redis };
}

/** The result as table rows: label, value. */
export function topicsRows(result: TopicsBenchResult): [string, string][] {
  const { broadcast: b, redis: r } = result;
  const n = b.connections.toLocaleString('en-US');
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return [
    [`Topic broadcast to ${n} conns (memory), all delivered`, ms(b.publish.deliveredMs)],
    [`  topics.publish() call / writes left`, `${ms(b.publish.callMs)} / ${ms(b.publish.flushedMs)}`],
    [`  sendText per connection, all delivered`, ms(b.sendEach.deliveredMs)],
    [`  sendText loop / writes left`, `${ms(b.sendEach.callMs)} / ${ms(b.sendEach.flushedMs)}`],
    [`Cross-process via Redis, p50 / p99 (${r.subscribers} subs, ${r.rate} msg/s)`, `${ms(r.p50Ms)} / ${ms(r.p99Ms)}`],
    [`  deliveries`, `${r.deliveries} of ${r.messages * r.subscribers}`],
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, cluster: { type: 'boolean', default: false } } });
  const settings = values.quick ? TOPICS_QUICK : TOPICS_FULL;
  if (values.cluster) {
    const r = await measureRedisLatency(settings, undefined, true);
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else console.log(`Redis Cluster fan-out, p50 / p99 (${r.subscribers} subs, ${r.rate} msg/s, 3 masters): ${r.p50Ms.toFixed(2)} ms / ${r.p99Ms.toFixed(2)} ms; deliveries ${r.deliveries} of ${r.messages * r.subscribers}`);
  } else {
    const result = await runTopicsBench(settings);
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else for (const [label, value] of topicsRows(result)) console.log(`${label.padEnd(64)} ${value}`);
  }
}
