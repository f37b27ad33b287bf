// Property (issue 22): with the Redis backend, random sequences of client drops and resumes,
// publishes, trims, kills of the servers' subscriber connections and Redis losing the history
// (FLUSHALL, DEL, a restart without persistence) never lose a message silently. For every client:
// what it received is everything published to its topic after its first subscribe, or a gap was
// signalled for that topic; the server never sends it a message twice, nor one at or before the
// id it resumed from; after everything, a last message reaches it. Two app servers share one
// real redis-server: one in this process, one in a process of its own; clients resume on either.
// A failing run prints its seed: UPSOCKET_PROPERTY_SEED=<seed> replays it (UPSOCKET_PROPERTY_RUNS:
// how many runs, 40 by default).
import fc from 'fast-check';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { compareIds, createTopics, type Topics } from '../../src/index.js';
import { createRedisBackend } from '../../src/topics/redis/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { describeNeeding, redisServer } from '../helpers/external-programs.js';
import { RedisServer } from '../helpers/redis-server.js';
import { delay, until } from '../helpers/server.js';
import { startHistoryServer, type Enveloped } from './history-server.js';
import { startAppProcess } from './resume-across-processes.js';

const MAX_MESSAGES = 6;
const TOPICS = 2;
const CLIENTS = 3;

type Step =
  | { op: 'publish'; topic: number; count: number }
  | { op: 'drop'; client: number }
  | { op: 'resume'; client: number; server: number }
  | { op: 'kill-subscribers' }
  | { op: 'trim'; topic: number; keep: number }
  | { op: 'lose'; how: 'FLUSHALL' | 'DEL' | 'restart'; topic: number }
  | { op: 'pause'; ms: number };

const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('publish' as const), topic: fc.nat(TOPICS - 1), count: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), client: fc.nat(CLIENTS - 1) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('resume' as const), client: fc.nat(CLIENTS - 1), server: fc.nat(1) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('kill-subscribers' as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('trim' as const), topic: fc.nat(TOPICS - 1), keep: fc.nat(2) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('lose' as const), how: fc.constantFrom('FLUSHALL' as const, 'DEL' as const, 'restart' as const), topic: fc.nat(TOPICS - 1) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('pause' as const), ms: fc.constantFrom(0, 20, 150) }) },
  ),
  { minLength: 1, maxLength: 12 },
);

/** A resuming client of one topic, as docs/topics.md describes one: last id, dedupe, resync on a gap. */
class Client {
  readonly topic: string;
  /** Where its first subscribe went live: everything published after it is owed to it. */
  start: string | undefined;
  last: string | undefined;
  gap = false;
  readonly received: string[] = [];
  readonly violations: string[] = [];
  #ws: WebSocket | undefined;

  constructor(topic: string) {
    this.topic = topic;
  }

  get connected(): boolean {
    return this.#ws !== undefined;
  }

  async connect(wsUrl: string): Promise<void> {
    const query = this.last === undefined ? '' : `?${new URLSearchParams({ 'upsocket-resume': JSON.stringify({ [this.topic]: this.last }) })}`;
    const ws = new WebSocket(`${wsUrl}/sub/${this.topic}${query}`);
    onCleanup(() => ws.terminate());
    this.#ws = ws;
    // Where this connection started: the server must send nothing at or before it.
    let floor = this.last;
    let seamSeen = false;
    ws.on('message', (data: Buffer) => {
      if (this.#ws !== ws) return;
      const frame = JSON.parse(data.toString()) as Enveloped;
      if (frame.id === undefined) {
        if (!seamSeen && this.start === undefined) this.start = frame.after;
        seamSeen = true;
        if (frame.gap === true) this.gap = true;
        if (frame.after !== undefined && (this.last === undefined || compareIds(frame.after, this.last) > 0)) this.last = frame.after;
        return;
      }
      if (!seamSeen && this.start === undefined) this.violations.push(`${frame.id} before the first seam`);
      if (floor !== undefined && compareIds(frame.id, floor) <= 0) this.violations.push(`${frame.id} sent again (at or before ${floor})`);
      floor = frame.id;
      if (this.last !== undefined && compareIds(frame.id, this.last) <= 0) return; // a duplicate: dropped, as a client does
      this.last = frame.id;
      this.received.push(frame.text!);
    });
    // Closed by the server (a subscribe that failed while Redis was away ends its route): gone,
    // as for a drop; a real client would reconnect, as the end of each run does.
    ws.on('close', () => {
      if (this.#ws === ws) this.#ws = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  drop(): void {
    this.#ws?.terminate();
    this.#ws = undefined;
  }
}

describeNeeding('topics history with Redis: random drops, publishes, trims and losses', { needs: [redisServer], timeout: 180_000 }, () => {
  it('never lose a message without a gap signal, and never send one twice', async () => {
    const redis = await RedisServer.start();
    const backend = () => createRedisBackend({ url: redis.url, onError: () => {}, timeout: 1000 });
    const here = createTopics({ backend: backend(), history: { maxMessages: MAX_MESSAGES }, envelope: true });
    const publisher = createTopics({ backend: backend(), history: { maxMessages: MAX_MESSAGES }, envelope: true });
    onCleanup(() => publisher.close());
    const servers = [(await startHistoryServer(here)).wsUrl, `ws://127.0.0.1:${(await startAppProcess({ REDIS_URL: redis.url })).port}`];
    let run = 0;
    let texts = 0;

    /** Publishes a new text until Redis takes one; those refused may or may not have been stored. */
    async function publish(topics: Topics, topic: string, published: Map<string, string>, maybe: Set<string>): Promise<void> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const text = `t${texts++}`;
        try {
          published.set(text, (await topics.publish(topic, text))!);
          return;
        } catch (error) {
          maybe.add(text);
          if (Date.now() > deadline) throw error;
          await delay(50);
        }
      }
    }

    const seed = Number(process.env.UPSOCKET_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    await fc.assert(
      fc.asyncProperty(steps, async (plan) => {
        const topics = Array.from({ length: TOPICS }, (_, index) => `p${run}-${index}`);
        run++;
        const published = topics.map(() => new Map<string, string>());
        const maybe = new Set<string>();
        // A first message, so that every client's first seam says where it went live.
        for (const [index, topic] of topics.entries()) await publish(publisher, topic, published[index]!, maybe);
        const clients = Array.from({ length: CLIENTS }, (_, index) => new Client(topics[index % TOPICS]!));
        for (const [index, client] of clients.entries()) await client.connect(servers[index % 2]!);
        await until(() => clients.every((client) => client.start !== undefined), 5000, 'first seams');
        let historyLost = false;

        for (const step of plan) {
          if (step.op === 'publish') for (let n = 0; n < step.count; n++) await publish(publisher, topics[step.topic]!, published[step.topic]!, maybe);
          else if (step.op === 'drop') clients[step.client]!.drop();
          else if (step.op === 'resume' && !clients[step.client]!.connected) await clients[step.client]!.connect(servers[step.server]!);
          else if (step.op === 'kill-subscribers') await redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
          else if (step.op === 'trim') historyLost = (await redis.command('XTRIM', `upsocket:${topics[step.topic]}`, 'MAXLEN', String(step.keep))) !== 0 || historyLost;
          else if (step.op === 'lose') {
            historyLost = true;
            if (step.how === 'FLUSHALL') await redis.command('FLUSHALL');
            else if (step.how === 'DEL') await redis.command('DEL', `upsocket:${topics[step.topic]}`);
            else {
              await redis.stop();
              await redis.restart();
            }
          } else if (step.op === 'pause') await delay(step.ms);
        }

        // Everyone back, then a last message on each topic must reach every client.
        const last = topics.map(() => '');
        for (const [index, topic] of topics.entries()) {
          await publish(publisher, topic, published[index]!, maybe);
          last[index] = [...published[index]!.keys()].at(-1)!;
        }
        const deadline = Date.now() + 15_000;
        while (!clients.every((client, index) => client.received.includes(last[index % TOPICS]!))) {
          if (Date.now() > deadline) throw new Error(`the last message did not reach every client: ${JSON.stringify(plan)}`);
          for (const [index, client] of clients.entries()) if (!client.connected) await client.connect(servers[index % 2]!);
          await delay(50);
        }

        for (const [index, client] of clients.entries()) {
          const topic = index % TOPICS;
          expect(client.violations, `client ${index}`).toEqual([]);
          // Owed: every message published after its first seam, in order; those whose publish
          // was refused may or may not be there.
          const owed = [...published[topic]!].filter(([, id]) => client.start === undefined || compareIds(id, client.start) > 0).map(([text]) => text);
          const got = client.received.filter((text) => !maybe.has(text));
          if (client.gap) expect(owed.filter((text) => got.includes(text)), `client ${index}: what it got, in order`).toEqual(got);
          else expect(got, `client ${index}: no gap signalled, so everything`).toEqual(owed);
          // A gap only when history could have been lost: a trim, a loss, or more than it keeps.
          if (!historyLost && published[topic]!.size + maybe.size <= MAX_MESSAGES) expect(client.gap, `client ${index}: a gap with nothing lost`).toBe(false);
          client.drop();
          if (process.env.UPSOCKET_PROPERTY_LOG) console.log(`run ${run} client ${index}: owed ${owed.length} got ${got.length} gap ${client.gap}`);
        }
      }),
      { numRuns: Number(process.env.UPSOCKET_PROPERTY_RUNS ?? 40), seed, endOnFailure: true },
    );
  });
});
