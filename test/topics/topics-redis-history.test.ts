// Topics history with the Redis backend: one stream per topic, against a real redis-server.
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { compareIds, createTopics, type TopicHistoryOptions } from '../../src/index.js';
import { createRedisBackend } from '../../src/topics/redis/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { describeNeeding, redisServer } from '../helpers/external-programs.js';
import { RedisServer } from '../helpers/redis-server.js';
import { delay } from '../helpers/server.js';
import { nextEnvelope, readUntilSeam, receive, startHistoryServer } from './history-server.js';
import { expectResumeOnAnotherProcess, startAppProcess } from './resume-across-processes.js';
import { redisTopics, roomWithOneClient } from './redis-room.js';

describeNeeding('topics history with the Redis backend', { needs: [redisServer], timeout: 60_000 }, () => {
  it('keeps messages in a stream per topic, replays after since and reports the gap', async () => {
    const redis = await RedisServer.start();
    const here = redisTopics(redis.url, { maxMessages: 3 });
    const elsewhere = redisTopics(redis.url, { maxMessages: 3 });
    onCleanup(() => elsewhere.close());
    const { join, results } = await startHistoryServer(here);
    const live = await join('room');
    // No message yet: the replay made the stream, and its anchor is where the subscriber starts.
    expect(await nextEnvelope(live)).toEqual({ topic: 'room', after: expect.any(String) });

    for (let index = 0; index < 5; index++) await elsewhere.publish('room', `m${index}`);
    const frames = await receive(live, 5);
    expect(frames.map((frame) => frame.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const ids = frames.map((frame) => frame.id!);
    for (const id of ids) expect(id).toMatch(/^\d+-\d+$/);
    for (let index = 1; index < 5; index++) expect(compareIds(ids[index - 1]!, ids[index]!)).toBeLessThan(0);

    const cases: [string, string[], boolean][] = [
      [ids[1]!, ['m2', 'm3', 'm4'], false],
      [ids[0]!, ['m2', 'm3', 'm4'], true],
      [ids[3]!, ['m4'], false],
      [ids[4]!, [], false],
      ['1-1', ['m2', 'm3', 'm4'], true],
      ['nonsense', ['m2', 'm3', 'm4'], true],
      ['99999999999999-0', [], true],
    ];
    for (const [since, texts, gap] of cases) {
      const client = await join('room', since);
      const { replayed, seam } = await readUntilSeam(client);
      expect(replayed.map((frame) => frame.text), since).toEqual(texts);
      expect(seam, since).toEqual(gap ? { topic: 'room', after: ids[4], gap: true } : { topic: 'room', after: ids[4] });
      expect(results.at(-1)).toEqual({ gap, after: ids[4] });
      client.ws.terminate();
    }
  });

  it('drops messages older than maxAge from the stream', async () => {
    const redis = await RedisServer.start();
    const topics = redisTopics(redis.url, { maxAge: 150 });
    const { join } = await startHistoryServer(topics);
    const live = await join('room');
    await nextEnvelope(live);
    await topics.publish('room', 'old0');
    await topics.publish('room', 'old1');
    await delay(400);
    await topics.publish('room', 'new');
    const [first, , fresh] = await receive(live, 3);
    const client = await join('room', first!.id);
    expect(await readUntilSeam(client)).toEqual({ replayed: [fresh], seam: { topic: 'room', after: fresh!.id, gap: true } });
  });

  it('gives every process the same order when two publish at once', async () => {
    const redis = await RedisServer.start();
    const [one, two] = [redisTopics(redis.url, {}), redisTopics(redis.url, {})];
    onCleanup(() => two.close());
    const { join } = await startHistoryServer(one);
    const client = await join('room');
    await nextEnvelope(client);
    const publishes: Promise<string | undefined>[] = [];
    for (let index = 0; index < 50; index++) publishes.push(one.publish('room', `one${index}`), two.publish('room', `two${index}`));
    const published = await Promise.all(publishes);
    const frames = await receive(client, 100);
    for (let index = 1; index < 100; index++) expect(compareIds(frames[index - 1]!.id!, frames[index]!.id!)).toBeLessThan(0);
    // publish() resolved with each message's stream entry id, the one the subscriber got it with.
    const idOf = new Map(frames.map((frame) => [frame.text, frame.id]));
    expect(published).toEqual(Array.from({ length: 50 }, (_, index) => [idOf.get(`one${index}`), idOf.get(`two${index}`)]).flat());
    // Each publisher's own messages keep their order.
    expect(frames.filter((frame) => frame.text!.startsWith('one')).map((frame) => frame.text)).toEqual(Array.from({ length: 50 }, (_, index) => `one${index}`));
    // A resume from the start sees the same order.
    const resumed = await join('room', '0-0');
    expect((await readUntilSeam(resumed)).replayed).toEqual(frames);
  });

  it('resolves publish() with the stream entry id, and with undefined without history', async () => {
    const redis = await RedisServer.start();
    const { join } = await startHistoryServer(redisTopics(redis.url, {}));
    const live = await join('room');
    const anchor = (await nextEnvelope(live)).after;
    const elsewhere = redisTopics(redis.url, {});
    onCleanup(() => elsewhere.close());
    const id = await elsewhere.publish('room', 'hello');
    expect((await receive(live, 1))[0]).toEqual({ topic: 'room', id, text: 'hello' });
    const admin = new Redis(redis.url);
    onCleanup(() => admin.disconnect());
    expect(await admin.xrevrange('upsocket:room', '+', '-', 'COUNT', 1)).toEqual([[id, ['k', 't', 'p', 'hello', 'r', anchor]]]);

    // Without history: undefined, not PUBLISH's count of receivers (one subscriber listens here).
    const plain = createTopics({ backend: createRedisBackend({ url: redis.url, prefix: 'plain:' }), envelope: true });
    const { join: joinPlain } = await startHistoryServer(plain);
    const subscriber = await joinPlain('room');
    await nextEnvelope(subscriber);
    while ((await redis.subscribers('plain:room')) === 0) await delay(20);
    const other = createTopics({ backend: createRedisBackend({ url: redis.url, prefix: 'plain:' }) });
    onCleanup(() => other.close());
    expect(await other.publish('room', 'no id')).toBeUndefined();
    expect(await nextEnvelope(subscriber)).toEqual({ topic: 'room', text: 'no id' });
  });

  it("reads from the stream what pub/sub lost while a process's subscriber connection was down", async () => {
    const { redis, elsewhere, client } = await roomWithOneClient();
    const admin = new Redis(redis.url);
    onCleanup(() => admin.disconnect());
    // Every subscriber connection drops (only `here` has one); it reconnects after 100 ms.
    expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(1);
    for (let index = 0; index < 5; index++) await elsewhere.publish('room', `while away ${index}`);
    while ((await redis.subscribers('upsocket:room')) !== 1) await delay(20);
    await elsewhere.publish('room', 'after');
    const texts = (await receive(client, 7)).map((frame) => frame.text);
    expect(texts).toEqual(['before', 'while away 0', 'while away 1', 'while away 2', 'while away 3', 'while away 4', 'after']);
    expect(await client.next(200).catch(() => 'nothing')).toBe('nothing');
  });

  it('a client that drops for 2 s while another process publishes 100 messages resumes on a third process with all 100, once, in order', async () => {
    const redis = await RedisServer.start();
    const { join } = await startHistoryServer(redisTopics(redis.url, { maxMessages: 1000 }));
    await expectResumeOnAnotherProcess(join, { REDIS_URL: redis.url });
  });

  it('resumes a client that dropped before the topic had any message, on another process, from the anchor its seam gave', async () => {
    const redis = await RedisServer.start();
    const here = redisTopics(redis.url, {});
    const publisher = redisTopics(redis.url, {});
    onCleanup(() => publisher.close());
    const { join } = await startHistoryServer(here);
    const early = await join('quiet');
    const start = (await nextEnvelope(early)).after!;
    early.ws.terminate();
    const ids = [await publisher.publish('quiet', 'm1'), await publisher.publish('quiet', 'm2')];
    const app = await startAppProcess({ REDIS_URL: redis.url });
    expect(await readUntilSeam(await app.join('quiet', start))).toEqual({
      replayed: [{ topic: 'quiet', id: ids[0], text: 'm1' }, { topic: 'quiet', id: ids[1], text: 'm2' }],
      seam: { topic: 'quiet', after: ids[1] },
    });
  });
});
