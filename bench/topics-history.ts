// The history rows of the topics benchmark (issue 14): what keeping a history costs live delivery,
// and how long a resuming subscriber waits for its replay. The server is bench/topics-server.ts in
// its own process, with the memory backend; the clients are in this process.
//
// 1. Publish → delivery latency, history off vs on: the server publishes timestamped messages at a
//    steady rate to one topic with `subscribers` raw subscribers; p50 and p99 over every delivery.
// 2. Replay: `replay` messages are published to a topic nobody listens to, then a client connects
//    with `upsocket-resume` set to the id of the message before them and is sent all of them in the
//    envelope, then the seam; reported is the median over the repeats of the time from the upgrade
//    request to the last replayed message.
import WebSocket from 'ws';
import type { RedisLatencyResult, TopicsBenchSettings } from './topics.js';
import { now, TopicsBenchChild } from './topics-child.js';
import { collected, latencyClients, percentile } from './topics-latency.js';

export interface ReplayResult {
  messages: number;
  /** Median ms from the upgrade request to the last replayed message. */
  replayMs: number;
}

/** `history`: the topics keep that many messages per topic; undefined: history off. */
export async function measureMemoryLatency(settings: TopicsBenchSettings, history?: number): Promise<RedisLatencyResult> {
  const { subscribers, messages, rate } = settings.latency;
  const server = new TopicsBenchChild('./topics-server.ts', history === undefined ? {} : { HISTORY: String(history) }, subscribers + 1024);
  let clients: WebSocket[] = [];
  try {
    const port = (await server.ready) as number;
    const subscribed = await latencyClients(port, '/topics/latency', subscribers);
    clients = subscribed.clients;
    await server.request('publishAtRate', { topic: 'latency', messages, rate });
    return { subscribers, messages, rate, ...(await collected(subscribed.latencies, messages * subscribers)) };
  } finally {
    for (const ws of clients) ws.terminate();
    server.stop();
  }
}

/** Connects to `path`; resolves with the frames received before `subscribed <id>`, and that id. */
function subscribe(port: number, path: string): Promise<{ frames: string[]; after: string; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    const frames: string[] = [];
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('subscribed ')) resolve({ frames, after: text.slice('subscribed '.length), ws });
      else frames.push(text);
    });
  });
}

export async function measureReplay(settings: TopicsBenchSettings): Promise<ReplayResult> {
  const messages = settings.replay;
  const server = new TopicsBenchChild('./topics-server.ts', { HISTORY: String(messages + 1) }, 1024);
  try {
    const port = (await server.ready) as number;
    await server.request('fill', { topic: 'replay', count: 1, text: 'before' });
    // A fresh subscriber learns the id of the last message: the resume point of the rest.
    const fresh = await subscribe(port, '/topics/replay');
    fresh.ws.close();
    await server.request('fill', { topic: 'replay', count: messages, text: 'x'.repeat(64) });
    const query = `upsocket-resume=${encodeURIComponent(JSON.stringify({ replay: fresh.after }))}`;
    const times: number[] = [];
    for (let round = -1; round < settings.repeats; round++) {
      const start = now();
      const resumed = await subscribe(port, `/topics/replay?${query}`);
      const ms = now() - start;
      resumed.ws.close();
      // Every message after the resume point, then the seam (no gap).
      if (resumed.frames.length !== messages + 1) throw new Error(`replayed ${resumed.frames.length - 1} of ${messages}`);
      if (resumed.frames.at(-1)!.includes('"gap"')) throw new Error(`replay reported a gap: ${resumed.frames.at(-1)}`);
      if (round >= 0) times.push(ms);
    }
    return { messages, replayMs: percentile(times, 50) };
  } finally {
    server.stop();
  }
}
