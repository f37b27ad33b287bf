// The rows an A/B run (bench/compare.ts) can measure, and one sample of one arm. An arm is a build
// plus its settings (history on or off); each row names its arms and which pairs to compare.
// The measuring code is today's (this checkout's) for every arm: only the server's upsocket differs.
import { once } from 'node:events';
import { RedisServer } from '../../test/helpers/redis-server.js';
import type { TopicsBenchSettings } from '../topics.js';
import { TopicsBenchChild } from '../topics-child.js';
import { collected, latencyClients } from '../topics-latency.js';
import type { Build } from './checkout.js';

/** The history the "history on" arms keep per topic (as bench/topics-phase.ts: the chat demo's). */
export const HISTORY = 1000;

export interface Arm {
  name: string;
  side: 'baseline' | 'current';
  /** Messages kept per topic; undefined: history off (the only setting a pre-history build has). */
  history?: number;
}

export interface Comparison {
  /** The arm on top of the ratio, and the one below it. */
  over: string;
  under: string;
  meaning: string;
}

export interface RowDef {
  id: string;
  label: string;
  backend: 'memory' | 'redis';
  arms: Arm[];
  comparisons: Comparison[];
}

const ARMS: Arm[] = [
  { name: 'baseline, history off', side: 'baseline' },
  { name: 'current, history off', side: 'current' },
  { name: 'current, history on', side: 'current', history: HISTORY },
];

const COMPARISONS: Comparison[] = [
  { over: 'current, history off', under: 'baseline, history off', meaning: 'what history off costs against the baseline' },
  { over: 'current, history on', under: 'current, history off', meaning: `what keeping ${HISTORY} messages per topic costs` },
];

export const ROWS: RowDef[] = [
  { id: 'topic-memory', label: 'Topic publish → delivery (memory backend)', backend: 'memory', arms: ARMS, comparisons: COMPARISONS },
  { id: 'topic-redis', label: 'Topic publish → delivery across processes via Redis', backend: 'redis', arms: ARMS, comparisons: COMPARISONS },
];

async function exited(child: TopicsBenchChild): Promise<void> {
  const { process: proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const done = once(proc, 'exit');
  child.stop();
  await done;
}

/**
 * The messages published before a sample counts: a tenth, at least 100. A fresh process's first
 * messages measure its JIT more than the code under test, and would widen every arm's spread alike.
 */
export function warmupOf(messages: number): number {
  return Math.max(100, Math.round(messages / 10));
}

export interface Sample {
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) of the sample's upsocket processes per published message, in µs. */
  cpuPerMessageUs: number;
  deliveries: number;
}

/** The figures of a sample that the report gives per arm and as ratios. */
export const FIGURES = [
  { key: 'p50Ms', label: 'p50, ms', digits: 3 },
  { key: 'p99Ms', label: 'p99, ms', digits: 3 },
  { key: 'cpuPerMessageUs', label: 'CPU per message, µs', digits: 1 },
] as const;

export type FigureKey = (typeof FIGURES)[number]['key'];

/**
 * One sample: a fresh server process loading `build`'s dist/, `subscribers` clients here, and
 * `messages` timestamped publishes at `rate` per second after a warm-up. In memory the server
 * publishes; via Redis a second process of the same build publishes (its own backend, as another
 * app server would), on a redis-server of our own started for the sample.
 */
export async function sampleArm(row: RowDef, arm: Arm, build: Build, settings: TopicsBenchSettings): Promise<Sample> {
  const { subscribers, messages, rate } = settings.latency;
  const redis = row.backend === 'redis' ? await RedisServer.launch() : undefined;
  const env: Record<string, string> = {
    UPSOCKET_DIST: build.dist,
    ...(arm.history !== undefined && { HISTORY: String(arm.history) }),
    ...(redis !== undefined && { REDIS_URL: redis.url }),
  };
  const children: TopicsBenchChild[] = [];
  const child = (): TopicsBenchChild => {
    const started = new TopicsBenchChild('./compare/topics-server.ts', env, subscribers + 1024);
    children.push(started);
    return started;
  };
  let clients: { terminate(): void }[] = [];
  try {
    const server = child();
    const publisher = redis === undefined ? server : child();
    const port = (await server.ready) as number;
    await publisher.ready;
    const subscribed = await latencyClients(port, '/topics/latency', subscribers);
    clients = subscribed.clients;
    const warmup = warmupOf(messages);
    await publisher.request('publishAtRate', { topic: 'latency', messages: warmup, rate });
    const warmed = await collected(subscribed.latencies, warmup * subscribers);
    if (warmed.deliveries !== warmup * subscribers) throw new Error(`warm-up: ${warmed.deliveries} of ${warmup * subscribers} delivered`);
    subscribed.latencies.length = 0;
    // The CPU of every upsocket process of the sample: publishing and delivering.
    const cpu = async (): Promise<number> => (await Promise.all(children.map((started) => started.request<number>('cpu')))).reduce((a, b) => a + b, 0);
    const cpuBefore = await cpu();
    await publisher.request('publishAtRate', { topic: 'latency', messages, rate });
    const result = await collected(subscribed.latencies, messages * subscribers);
    const cpuUs = (await cpu()) - cpuBefore;
    // A sample that lost deliveries measured something else: fail it rather than report it.
    if (result.deliveries !== messages * subscribers) throw new Error(`${result.deliveries} of ${messages * subscribers} delivered`);
    return { ...result, cpuPerMessageUs: cpuUs / messages };
  } finally {
    for (const ws of clients) ws.terminate();
    // Wait for the servers to exit before their redis-server goes, so they do not log its loss.
    await Promise.all(children.map((started) => exited(started)));
    await redis?.stop();
  }
}
