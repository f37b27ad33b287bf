// Presence benchmark (issue 26, part 5): `npx tsx bench/presence.ts [--quick] [--json]`, on a
// redis-server of its own, each app process a bench/presence-node.ts (Redis backend, default lease).
//
// 1. Memory per tracked member: one process opens N connections in memory (pair(), no sockets),
//    then tracks each in one topic under its own key; its heap after a full GC, and Redis's
//    used_memory, before and after the tracking (once Redis lists all N), divided by N.
// 2. A join and a leave delivered to 1,000 subscribers: 1,000 WebSocket clients (this process)
//    subscribe to the topic's presence on process S; E connections to another process P are
//    tracked one at a time, then closed one at a time (grace 0), each 100 ms after the previous
//    (more than the 50 ms interval: each is its own diff), after 10 of each not counted. S's CPU time
//    (process.cpuUsage, less what it spent over as long idle) and the bytes its subscribers received
//    (WebSocket frames: payload + header), per join or leave.
// 3. Convergence: three processes, each with a presence subscriber (in memory), each tracking a
//    third of M members at once; the time from the command until every subscriber lists all M.
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { RedisServer } from '../test/helpers/redis-server.js';
import { now, TopicsBenchChild } from './topics-child.js';

export interface PresenceBenchSettings {
  members: number;
  subscribers: number;
  events: number;
  converge: number;
}

export const PRESENCE_FULL: PresenceBenchSettings = { members: 10_000, subscribers: 1000, events: 100, converge: 10_000 };
export const PRESENCE_QUICK: PresenceBenchSettings = { members: 2000, subscribers: 200, events: 20, converge: 2000 };

export interface PresenceBenchResult {
  memory: { members: number; heapBytesPerMember: number; redisBytesPerMember: number };
  delivery: { subscribers: number; events: number; cpuUsPerEvent: number; bytesPerEventPerSubscriber: number; framesPerEventPerSubscriber: number };
  converge: { members: number; processes: number; ms: number };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Until `count()` reaches `least` and then stays the same for 500 ms (a late diff may merge two events), or 20 s. */
async function settled(count: () => number, least: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const value = count();
    if (value !== last) [last, since] = [value, Date.now()];
    else if (value >= least && Date.now() - since >= 500) return;
    await delay(20);
  }
}

function app(redis: RedisServer, files = 4096): TopicsBenchChild {
  return new TopicsBenchChild('./presence-node.ts', { REDIS_URL: redis.url, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc` }, files);
}

async function usedMemory(redis: RedisServer): Promise<number> {
  const info = (await redis.command('INFO', 'memory')) as string;
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

async function measureMemory(redis: RedisServer, members: number): Promise<PresenceBenchResult['memory']> {
  const child = app(redis);
  try {
    await child.ready;
    await child.request('pairs', { count: members });
    const heapBefore = await child.request<number>('heap');
    const redisBefore = await usedMemory(redis);
    await child.request('track', { prefix: 'member' });
    // Until Redis holds every entry: the process's changes went out.
    for (;;) {
      const keys = (await redis.command('KEYS', 'upsocket:presence:{room}:e:*')) as string[];
      const sizes = await Promise.all(keys.map((key) => redis.command('HLEN', key) as Promise<number>));
      if (sizes.reduce((sum, size) => sum + size, 0) === members) break;
      await delay(20);
    }
    const heapAfter = await child.request<number>('heap');
    const redisAfter = await usedMemory(redis);
    return { members, heapBytesPerMember: (heapAfter - heapBefore) / members, redisBytesPerMember: (redisAfter - redisBefore) / members };
  } finally {
    child.stop();
  }
}

/** WebSocket frame size of a payload sent by a server (unmasked). */
function frameBytes(payload: number): number {
  return payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
}

async function measureDelivery(redis: RedisServer, subscribers: number, events: number): Promise<PresenceBenchResult['delivery']> {
  const server = app(redis, subscribers + 1024);
  const tracker = app(redis);
  const clients: WebSocket[] = [];
  try {
    const serverPort = (await server.ready) as number;
    const trackerPort = (await tracker.ready) as number;
    let bytes = 0;
    let frames = 0;
    for (let index = 0; index < subscribers; index++) {
      const ws = new WebSocket(`ws://127.0.0.1:${serverPort}/?watch=1`);
      ws.on('message', (data: Buffer) => {
        bytes += frameBytes(data.length);
        frames++;
      });
      clients.push(ws);
      await once(ws, 'open');
    }
    // Each subscriber's 'ready' and its presence state.
    await settled(() => frames, subscribers * 2);
    /** Joins then leaves of `count` tracked connections to the tracker, each 100 ms after the previous one. */
    const joinAndLeave = async (count: number, prefix: string): Promise<void> => {
      const tracked: WebSocket[] = [];
      for (let index = 0; index < count; index++) {
        const ws = new WebSocket(`ws://127.0.0.1:${trackerPort}/?user=${prefix}${index}`);
        tracked.push(ws);
        await once(ws, 'message');
        await delay(100);
      }
      for (const ws of tracked) {
        ws.close();
        await delay(100);
      }
    };
    // Warm-up (not counted): the first diffs compile their code paths.
    await joinAndLeave(10, 'warm');
    await settled(() => frames, subscribers * 2 + 1);
    // What the process spends over as long with nothing happening (timers, the lease): subtracted.
    const idleBefore = await server.request<NodeJS.CpuUsage>('cpu');
    await delay(events * 100);
    const idleAfter = await server.request<NodeJS.CpuUsage>('cpu');
    const idle = idleAfter.user + idleAfter.system - idleBefore.user - idleBefore.system;
    const settledBytes = bytes;
    const settledFrames = frames;
    const cpuBefore = await server.request<NodeJS.CpuUsage>('cpu');
    await joinAndLeave(events / 2, 'user');
    await settled(() => frames, settledFrames + 1);
    const cpuAfter = await server.request<NodeJS.CpuUsage>('cpu');
    const cpu = cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system - idle;
    return {
      subscribers,
      events,
      cpuUsPerEvent: cpu / events,
      bytesPerEventPerSubscriber: (bytes - settledBytes) / events / subscribers,
      framesPerEventPerSubscriber: (frames - settledFrames) / events / subscribers,
    };
  } finally {
    for (const ws of clients) ws.terminate();
    server.stop();
    tracker.stop();
  }
}

export async function measureConverge(redis: RedisServer, members: number): Promise<PresenceBenchResult['converge']> {
  const processes = [app(redis), app(redis), app(redis)];
  try {
    await Promise.all(processes.map((child) => child.ready));
    await Promise.all(processes.map((child) => child.request('watch')));
    const share = Math.ceil(members / processes.length);
    await Promise.all(processes.map((child, index) => child.request('pairs', { count: Math.min(share, members - index * share) })));
    const start = now();
    await Promise.all(processes.map((child, index) => child.request('track', { prefix: `p${index}-` })));
    const done = await Promise.all(processes.map((child) => child.request<number>('members', { count: members })));
    return { members, processes: processes.length, ms: Math.max(...done) - start };
  } finally {
    for (const child of processes) child.stop();
  }
}

export async function runPresenceBench(settings: PresenceBenchSettings): Promise<PresenceBenchResult> {
  const fresh = async <T>(measure: (redis: RedisServer) => Promise<T>): Promise<T> => {
    const redis = await RedisServer.launch();
    try {
      return await measure(redis);
    } finally {
      await redis.stop();
    }
  };
  return {
    memory: await fresh((redis) => measureMemory(redis, settings.members)),
    delivery: await fresh((redis) => measureDelivery(redis, settings.subscribers, settings.events)),
    converge: await fresh((redis) => measureConverge(redis, settings.converge)),
  };
}

export function presenceRows({ memory: m, delivery: d, converge: c }: PresenceBenchResult): [string, string][] {
  const n = (value: number) => value.toLocaleString('en-US');
  return [
    [`Memory per tracked member (${n(m.members)} tracked, Redis backend): heap / Redis`, `${(m.heapBytesPerMember / 1024).toFixed(2)} KiB / ${m.redisBytesPerMember.toFixed(0)} B`],
    [`Join or leave to ${n(d.subscribers)} presence subscribers: CPU of their process`, `${(d.cpuUsPerEvent / 1000).toFixed(2)} ms`],
    [`  bytes / frames per join or leave, per subscriber`, `${d.bytesPerEventPerSubscriber.toFixed(0)} B / ${d.framesPerEventPerSubscriber.toFixed(2)}`],
    [`${n(c.members)} members tracked across ${c.processes} processes: every subscriber lists all`, `${c.ms.toFixed(0)} ms`],
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
  const result = await runPresenceBench(values.quick ? PRESENCE_QUICK : PRESENCE_FULL);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else for (const [label, value] of presenceRows(result)) console.log(`${label.padEnd(80)} ${value}`);
}
