// Topics over a real Redis Cluster of three masters (test/helpers/redis-cluster.ts): sharded
// pub/sub, history in streams on each topic's shard, and resume across processes.
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createTopics, type TopicHistoryOptions } from '../../src/index.js';
import { createRedisBackend, type RedisBackendOptions } from '../../src/topics/redis/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { describeNeeding, redisCli, redisServer } from '../helpers/external-programs.js';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { delay } from '../helpers/server.js';
import { messagesAndSeams, nextEnvelope, readUntil, readUntilSeam, receive, startHistoryServer, type Enveloped } from './history-server.js';
import { expectResumeOnAnotherProcess } from './resume-across-processes.js';

function clusterTopics(cluster: RedisCluster, history?: TopicHistoryOptions) {
  return createTopics({ backend: createRedisBackend({ cluster: { nodes: cluster.urls }, onError: () => {} }), history, envelope: true });
}

/** One topic per node: `room-<n>` names whose channels' slots each node owns. */
async function topicPerNode(cluster: RedisCluster): Promise<string[]> {
  const topics: (string | undefined)[] = [undefined, undefined, undefined];
  for (let n = 0; topics.includes(undefined); n++) {
    if (n > 200) throw new Error(`no topic among room-0…room-200 for some node: ${String(topics)}`);
    topics[await cluster.ownerOf(`upsocket:room-${n}`)] ??= `room-${n}`;
  }
  return topics as string[];
}

/** A counter of `INFO commandstats` on each node, 0 when absent: `cmdstat_spublish:calls=7,...`. */
async function calls(cluster: RedisCluster, command: string): Promise<number[]> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const stats = (await node.command('INFO', 'commandstats')) as string;
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    }),
  );
}

/**
 * A cluster, topics with history in this process (serving a client subscribed to `room`, which has
 * been sent `before`) and in another; `owner` is the node of room's slot.
 */
async function roomWithHistory() {
  const cluster = await RedisCluster.start();
  const [here, elsewhere] = [clusterTopics(cluster, {}), clusterTopics(cluster, {})];
  onCleanup(() => elsewhere.close());
  const { join } = await startHistoryServer(here);
  const client = await join('room');
  await nextEnvelope(client);
  await elsewhere.publish('room', 'before');
  return { client, elsewhere, owner: cluster.nodes[await cluster.ownerOf('upsocket:room')]! };
}

/**
 * Reads until the message `text` and a seam with "gap":true arrived: a node restarted without
 * persistence lost the topic's stream, so the backfill after its subscriber connection came back
 * cannot tell what was published before, and says so (before or after `text`, which may be among
 * the backfilled messages). Returns the messages.
 */
async function untilGapAnd(client: Awaited<ReturnType<typeof roomWithHistory>>['client'], text: string): Promise<Enveloped[]> {
  const hasBoth = (frames: Enveloped[]): boolean => frames.some((frame) => frame.text === text) && frames.some((frame) => frame.gap === true);
  const frames = await readUntil(client, hasBoth);
  expect(messagesAndSeams(frames).seams).toEqual([{ topic: 'room', after: expect.any(String), gap: true }]);
  return frames.filter((frame) => frame.id !== undefined);
}

/** Publishes until the cluster takes it (a restarted node is found again), for at most 20 s. */
async function publishUntilTaken(topics: ReturnType<typeof clusterTopics>, topic: string, text: string): Promise<string | undefined> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await topics.publish(topic, text);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(200);
    }
  }
}

/** The channels of each SSUBSCRIBE a node runs from now on, from MONITOR on a plain socket. */
async function monitorSsubscribes(port: number): Promise<string[][]> {
  const socket = connect(port, '127.0.0.1');
  onCleanup(() => void socket.destroy());
  const seen: string[][] = [];
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\r\n');
    buffered = lines.pop()!;
    // A line: +1700000000.123456 [0 127.0.0.1:5000] "ssubscribe" "upsocket:room"
    for (const line of lines) {
      const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
      if (args[0]?.toLowerCase() === 'ssubscribe') seen.push(args.slice(1));
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('data', () => resolve());
    socket.write('MONITOR\r\n');
  });
  return seen;
}

describeNeeding('topics over a Redis Cluster', { needs: [redisServer, redisCli], timeout: 60_000 }, () => {
  it('spreads topics over the shards with sharded pub/sub: each topic is subscribed and published on its own node only', async () => {
    const cluster = await RedisCluster.start();
    const topics = await topicPerNode(cluster);
    const here = clusterTopics(cluster);
    const elsewhere = clusterTopics(cluster);
    onCleanup(() => elsewhere.close());
    const { join } = await startHistoryServer(here);
    const clients = await Promise.all(topics.map((topic) => join(topic)));
    for (const [index, client] of clients.entries()) expect(await nextEnvelope(client)).toEqual({ topic: topics[index] });

    // Node n lists exactly topic n's channel as a shard channel; no node has a plain channel.
    // (Without history, the seam above does not wait for Redis to confirm the subscription.)
    const expected = topics.map((topic) => [`upsocket:${topic}`]);
    await vi.waitFor(async () => expect(await cluster.shardChannels()).toEqual(expected), { timeout: 5000, interval: 20 });
    for (const node of cluster.nodes) expect(await node.command('PUBSUB', 'CHANNELS')).toEqual([]);

    const before = await calls(cluster, 'spublish');
    for (let count = 1; count <= 3; count++) for (let index = 0; index <= count - 1; index++) await elsewhere.publish(topics[index]!, `from elsewhere ${count}`);
    // Node 0's topic got 3 publishes, node 1's 2, node 2's 1: each SPUBLISH reached its shard only.
    const after = await calls(cluster, 'spublish');
    expect(after.map((value, index) => value - before[index]!)).toEqual([3, 2, 1]);
    expect(await calls(cluster, 'publish')).toEqual([0, 0, 0]);

    // Each client got its topic's messages once, including one published in this very process.
    await here.publish(topics[2]!, 'from here');
    expect((await receive(clients[0]!, 3)).map((frame) => frame.text)).toEqual(['from elsewhere 1', 'from elsewhere 2', 'from elsewhere 3']);
    expect((await receive(clients[1]!, 2)).map((frame) => frame.text)).toEqual(['from elsewhere 2', 'from elsewhere 3']);
    expect((await receive(clients[2]!, 2)).map((frame) => frame.text)).toEqual(['from elsewhere 3', 'from here']);
    for (const client of clients) expect(await client.next(200).catch(() => 'nothing')).toBe('nothing');

    // The last subscriber of node 0's topic leaves: SUNSUBSCRIBE on that shard only.
    clients[0]!.ws.terminate();
    const left = [[], ...expected.slice(1)];
    await vi.waitFor(async () => expect(await cluster.shardChannels()).toEqual(left), { timeout: 5000, interval: 20 });
  });

  it("keeps each topic's history in a stream on its shard and reports a since older than the history as a gap", async () => {
    const cluster = await RedisCluster.start();
    const topics = await topicPerNode(cluster);
    const here = clusterTopics(cluster, { maxMessages: 3 });
    const elsewhere = clusterTopics(cluster, { maxMessages: 3 });
    onCleanup(() => elsewhere.close());
    const { join, results } = await startHistoryServer(here);
    for (const [owner, topic] of topics.entries()) {
      const live = await join(topic);
      expect(await nextEnvelope(live)).toEqual({ topic, after: expect.any(String) });
      for (let index = 0; index < 5; index++) await elsewhere.publish(topic, `m${index}`);
      const frames = await receive(live, 5);
      expect(frames.map((frame) => frame.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      const ids = frames.map((frame) => frame.id!);
      // The stream is on the node that owns the topic, trimmed to 3.
      expect(await cluster.nodes[owner]!.command('XLEN', `upsocket:${topic}`)).toBe(3);

      const kept = await join(topic, ids[1]);
      expect(await readUntilSeam(kept)).toEqual({ replayed: frames.slice(2), seam: { topic, after: ids[4] } });
      expect(results.at(-1)).toEqual({ gap: false, after: ids[4] });
      const dropped = await join(topic, ids[0]);
      expect(await readUntilSeam(dropped)).toEqual({ replayed: frames.slice(2), seam: { topic, after: ids[4], gap: true } });
      expect(results.at(-1)).toEqual({ gap: true, after: ids[4] });
    }
    // History publishes through the script, which sends SPUBLISH on the topic's node: 5 each.
    expect(await calls(cluster, 'spublish')).toEqual([5, 5, 5]);
    expect(await calls(cluster, 'publish')).toEqual([0, 0, 0]);
  });

  it("reads from the stream what sharded pub/sub lost while a process's subscriber connections were down", async () => {
    const { client, elsewhere, owner } = await roomWithHistory();
    // The shard's subscriber connections drop (only `here` has one); ioredis replaces it.
    expect(await owner.command('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(1);
    for (let index = 0; index < 5; index++) await elsewhere.publish('room', `while away ${index}`);
    while ((await owner.command('PUBSUB', 'SHARDNUMSUB', 'upsocket:room'))?.toString() !== 'upsocket:room,1') await delay(20);
    await elsewhere.publish('room', 'after');
    const texts = (await receive(client, 7)).map((frame) => frame.text);
    expect(texts).toEqual(['before', 'while away 0', 'while away 1', 'while away 2', 'while away 3', 'while away 4', 'after']);
    expect(await client.next(200).catch(() => 'nothing')).toBe('nothing');
  });

  it("goes on after the node that owns a topic's slot is stopped and restarted: publish fails meanwhile, then delivery resumes", async () => {
    const { client, elsewhere, owner } = await roomWithHistory();
    await owner.stop();
    await expect(elsewhere.publish('room', 'while down')).rejects.toMatchObject({ code: 'UPSOCKET_BACKEND_UNAVAILABLE' });
    // Same port, same node file: it comes back with its slots (its stream is gone: no persistence).
    await owner.restart();
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await elsewhere.publish('room', 'after');
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await delay(200);
      }
    }
    expect((await untilGapAnd(client, 'after')).map((frame) => frame.text)).toEqual(['before', 'after']);
    expect(await client.next(200).catch(() => 'nothing')).toBe('nothing');
  });

  it('reports one outage of a node to onError a bounded number of times, subscribes each channel once on its shard, and delivers again', async () => {
    const cluster = await RedisCluster.start();
    const errors: Error[] = [];
    const here = createTopics({ backend: createRedisBackend({ cluster: { nodes: cluster.urls }, onError: (error) => void errors.push(error) }), history: {}, envelope: true });
    const elsewhere = clusterTopics(cluster, {});
    onCleanup(() => elsewhere.close());
    const { join } = await startHistoryServer(here);
    const client = await join('room');
    await nextEnvelope(client);
    const owner = cluster.nodes[await cluster.ownerOf('upsocket:room')]!;
    await elsewhere.publish('room', 'before');
    expect((await receive(client, 1))[0]!.text).toBe('before');
    expect(errors).toEqual([]);

    await owner.stop();
    // Long enough for ioredis to retry (and say 'subscribersReady') many times.
    await delay(3000);
    await owner.restart();
    // publish() resolves with the stream entry id the subscriber gets the message with.
    const id = await publishUntilTaken(elsewhere, 'room', 'after');
    expect(await untilGapAnd(client, 'after')).toEqual([{ topic: 'room', id, text: 'after' }]);
    expect(id).toMatch(/^\d+-\d+$/);
    // The connection trouble and the failed resubscribe, not each of ioredis's retries (~20 in 3 s).
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length, errors.map((error) => error.message).join('\n')).toBeLessThanOrEqual(2);

    // Each retry subscribed `room` again; ioredis keeps it once all the same: when it replaces the
    // shard's subscriber connection, it sends SSUBSCRIBE with the channel once (MONITOR shows it).
    const ssubscribes = await monitorSsubscribes(owner.port);
    expect(await owner.command('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(1);
    await vi.waitFor(() => expect(ssubscribes.length).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    await publishUntilTaken(elsewhere, 'room', 'after reconnect');
    expect((await receive(client, 1))[0]!.text).toBe('after reconnect');
    for (const channels of ssubscribes) expect(channels).toEqual(['upsocket:room']);

    // Delivery recovered, so the next outage is news again.
    const reported = errors.length;
    await owner.stop();
    await delay(1500);
    await owner.restart();
    await publishUntilTaken(elsewhere, 'room', 'after the second outage');
    expect((await untilGapAnd(client, 'after the second outage')).map((frame) => frame.text)).toEqual(['after the second outage']);
    const again = errors.slice(reported).map((error) => error.message);
    expect(again.length, again.join('\n')).toBeGreaterThan(0);
    expect(again.length, again.join('\n')).toBeLessThanOrEqual(2);
    expect(await client.next(200).catch(() => 'nothing')).toBe('nothing');
  });

  it('a client that drops for 2 s while another process publishes 100 messages resumes on a third process with all 100, once, in order', async () => {
    const cluster = await RedisCluster.start();
    const { join } = await startHistoryServer(clusterTopics(cluster, { maxMessages: 1000 }));
    await expectResumeOnAnotherProcess(join, { REDIS_CLUSTER: cluster.urls.join(',') });
  });
});

describe('createRedisBackend({ cluster }) options', () => {
  it('refuses a url with a cluster, and a cluster without node URLs, with UPSOCKET_INVALID_OPTION', () => {
    const cases: [unknown, RegExp][] = [
      [{ url: 'redis://127.0.0.1:6379', cluster: { nodes: ['redis://127.0.0.1:7000'] } }, /url and cluster exclude each other/],
      [{ cluster: { nodes: [] } }, /cluster must be \{ nodes: string\[\] \}/],
      [{ cluster: { nodes: [7000] } }, /cluster must be \{ nodes: string\[\] \}/],
      [{ cluster: 'redis://127.0.0.1:7000' }, /cluster must be \{ nodes: string\[\] \}/],
      [{ cluster: { nodes: ['redis://127.0.0.1:7000'], options: 5 } }, /cluster.options must be an object/],
    ];
    for (const [options, message] of cases) {
      expect(() => createRedisBackend(options as RedisBackendOptions), String(message)).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringMatching(message) }));
    }
  });
});
