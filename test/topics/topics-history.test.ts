import { describe, expect, it } from 'vitest';
import { createMemoryBackend, createTopics, UpsocketError, type TopicBackend } from '../../src/index.js';
import { delay, until } from '../helpers/server.js';
import { nextEnvelope, readUntilSeam, receive, startHistoryServer } from './history-server.js';

/** Publishes `count` texts `<prefix>0`… and returns the ids a subscriber of the backend saw. */
async function publishAndRecord(backend: TopicBackend, topics: ReturnType<typeof createTopics>, topic: string, count: number, prefix = 'm'): Promise<string[]> {
  const ids: string[] = [];
  const listener = (_topic: string, message: { id: string | undefined }): void => void ids.push(message.id!);
  await backend.subscribe(topic, listener);
  for (let index = 0; index < count; index++) await topics.publish(topic, `${prefix}${index}`);
  await backend.unsubscribe(topic, listener);
  return ids;
}

function historyTopics(history: { maxMessages?: number; maxAge?: number }, envelope = true) {
  const backend = createMemoryBackend();
  return { backend, topics: createTopics({ backend, history, envelope }) };
}

describe('topics with history (memory backend)', () => {
  it('gives ids <epoch>-<seq>, per topic, and keeps the last maxMessages', async () => {
    const { backend, topics } = historyTopics({ maxMessages: 3 });
    const { join, results } = await startHistoryServer(topics);
    const ids = await publishAndRecord(backend, topics, 'room', 5);
    const [epoch] = ids[0]!.split('-');
    expect(ids).toEqual([1, 2, 3, 4, 5].map((seq) => `${epoch}-${seq}`));
    expect(Number(epoch)).toBeLessThanOrEqual(Date.now());
    expect(await publishAndRecord(backend, topics, 'other', 1)).toEqual([`${epoch}-1`]);

    // Kept: 3, 4, 5. After 2 nothing is missing; after 1, message 2 was dropped.
    const cases: [string, string[], boolean][] = [
      [ids[1]!, ['m2', 'm3', 'm4'], false],
      [ids[0]!, ['m2', 'm3', 'm4'], true],
      [ids[3]!, ['m4'], false],
      [ids[4]!, [], false],
    ];
    for (const [since, texts, gap] of cases) {
      const client = await join('room', since);
      const { replayed, seam } = await readUntilSeam(client);
      expect(replayed.map((frame) => frame.text)).toEqual(texts);
      expect(replayed.map((frame) => frame.id)).toEqual(ids.slice(5 - texts.length));
      expect(seam).toEqual(gap ? { topic: 'room', after: ids[4], gap: true } : { topic: 'room', after: ids[4] });
      await until(() => results.length > 0);
      expect(results.pop()).toEqual({ gap, after: ids[4] });
      client.ws.terminate();
    }
  });

  it('drops messages older than maxAge, and reports the gap', async () => {
    const { backend, topics } = historyTopics({ maxAge: 100 });
    const { join } = await startHistoryServer(topics);
    const old = await publishAndRecord(backend, topics, 'room', 2, 'old');
    await delay(250);
    const fresh = await publishAndRecord(backend, topics, 'room', 1, 'new');
    const client = await join('room', `${old[0]!.split('-')[0]}-0`);
    const { replayed, seam } = await readUntilSeam(client);
    expect(replayed).toEqual([{ topic: 'room', id: fresh[0], text: 'new0' }]);
    expect(seam).toEqual({ topic: 'room', after: fresh[0], gap: true });

    // Nothing published since: everything expires, the sequence goes on.
    await delay(250);
    const late = await join('room', fresh[0]);
    expect(await readUntilSeam(late)).toEqual({ replayed: [], seam: { topic: 'room', after: fresh[0] } });
    expect(await publishAndRecord(backend, topics, 'room', 1)).toEqual([fresh[0]!.replace(/-3$/, '-4')]);
  });

  it('replays then goes live; without since it says where the live messages start', async () => {
    const { backend, topics } = historyTopics({});
    const { join, results } = await startHistoryServer(topics);
    const fresh = await join('empty');
    // No message yet: `<epoch>-0`, the point before the first one.
    const start = (await nextEnvelope(fresh)).after;
    expect(start).toMatch(/^\d+-0$/);
    expect(results).toEqual([{ gap: false, after: start }]);
    const ids = await publishAndRecord(backend, topics, 'room', 2);
    const client = await join('room');
    expect(await nextEnvelope(client)).toEqual({ topic: 'room', after: ids[1] });
    await topics.publish('room', 'live');
    expect(await nextEnvelope(client)).toEqual({ topic: 'room', id: ids[1]!.replace(/-2$/, '-3'), text: 'live' });
    expect(await nextEnvelope(fresh, 200).catch(() => 'nothing')).toBe('nothing');
  });

  it('resumes a client that dropped before the topic had any message from its seam, with everything published meanwhile', async () => {
    const { topics } = historyTopics({});
    const { join } = await startHistoryServer(topics);
    const early = await join('quiet');
    const start = (await nextEnvelope(early)).after!;
    early.ws.terminate();
    const ids = [await topics.publish('quiet', 'm1'), await topics.publish('quiet', 'm2')];
    expect(await readUntilSeam(await join('quiet', start))).toEqual({
      replayed: [{ topic: 'quiet', id: ids[0], text: 'm1' }, { topic: 'quiet', id: ids[1], text: 'm2' }],
      seam: { topic: 'quiet', after: ids[1] },
    });
  });

  it('sends the envelope for text, JSON values and binary; raw when a subscribe says so', async () => {
    const { backend, topics } = historyTopics({});
    const { join } = await startHistoryServer(topics);
    const enveloped = await join('data');
    await nextEnvelope(enveloped);
    const raw = await join('data', undefined, false);
    const payloads: unknown[] = ['plain "quoted" é\n', { type: 'said', n: 1 }, Buffer.from([0, 255, 1]), new Uint8Array([7, 8]).subarray(1)];
    const ids: string[] = [];
    const listener = (_topic: string, message: { id: string | undefined }): void => void ids.push(message.id!);
    await backend.subscribe('data', listener);
    for (const payload of payloads) await topics.publish('data', payload);
    expect(await nextEnvelope(enveloped)).toEqual({ topic: 'data', id: ids[0], text: 'plain "quoted" é\n' });
    expect(await nextEnvelope(enveloped)).toEqual({ topic: 'data', id: ids[1], text: '{"type":"said","n":1}' });
    expect(await nextEnvelope(enveloped)).toEqual({ topic: 'data', id: ids[2], binary: Buffer.from([0, 255, 1]).toString('base64') });
    expect(await nextEnvelope(enveloped)).toEqual({ topic: 'data', id: ids[3], binary: 'CA==' });
    expect((await raw.next()).data.toString()).toBe('plain "quoted" é\n');
    expect((await raw.next()).data.toString()).toBe('{"type":"said","n":1}');
    expect(await raw.next()).toEqual({ data: Buffer.from([0, 255, 1]), isBinary: true });
    expect(await raw.next()).toEqual({ data: Buffer.from([8]), isBinary: true });

    // A raw subscriber resuming gets the raw messages, without a seam.
    const rawResumed = await join('data', ids[1], false);
    expect(await rawResumed.next()).toEqual({ data: Buffer.from([0, 255, 1]), isBinary: true });
    expect(await rawResumed.next()).toEqual({ data: Buffer.from([8]), isBinary: true });
    expect(await rawResumed.next(200).catch(() => 'nothing')).toBe('nothing');
  });

  it('encodes a message once for raw and enveloped subscribers alike', async () => {
    const { topics } = historyTopics({});
    const { join } = await startHistoryServer(topics);
    const clients = [await join('room', undefined, true), await join('room', undefined, true), await join('room', undefined, false), await join('room', undefined, false)];
    for (const client of clients.slice(0, 2)) await nextEnvelope(client);
    let encodings = 0;
    await topics.publish('room', { toJSON: () => (encodings++, { n: 1 }) });
    for (const client of clients.slice(0, 2)) expect((await nextEnvelope(client)).text).toBe('{"n":1}');
    for (const client of clients.slice(2)) expect(await client.nextText()).toBe('{"n":1}');
    expect(encodings).toBe(1);
    // A resuming subscriber gets the kept message from the same encoding.
    const resumed = await join('room', `${Date.now() - 10_000}-0`);
    expect((await readUntilSeam(resumed)).replayed.map((frame) => frame.text)).toEqual(['{"n":1}']);
    expect(encodings).toBe(1);
  });

  it('tells a client resuming from another epoch (a restart) that it has a gap, and replays all that is kept', async () => {
    const { backend, topics } = historyTopics({});
    const { join, results } = await startHistoryServer(topics);
    const ids = await publishAndRecord(backend, topics, 'room', 2);
    const client = await join('room', '1000-77');
    expect(await readUntilSeam(client)).toEqual({
      replayed: [{ topic: 'room', id: ids[0], text: 'm0' }, { topic: 'room', id: ids[1], text: 'm1' }],
      seam: { topic: 'room', after: ids[1], gap: true },
    });
    // From the future, or not an id: nothing to replay; the client must resync.
    for (const since of ['99999999999999-1', 'nonsense']) {
      const other = await join('room', since);
      const { seam } = await readUntilSeam(other);
      expect(seam).toEqual({ topic: 'room', after: ids[1], gap: true });
    }
    expect(results.map((result) => result.gap)).toEqual([true, true, true]);
  });

  it('gives two histories made in the same ms different epochs: an id of one is a gap in the other', async () => {
    const start = Date.now();
    while (Date.now() === start); // the start of a ms, so that both are made within it
    const [first, second] = [historyTopics({}), historyTopics({})];
    const [theirs] = await publishAndRecord(first.backend, first.topics, 'room', 1);
    const ours = await publishAndRecord(second.backend, second.topics, 'room', 3);
    expect(theirs!.split('-')[0]).not.toBe(ours[0]!.split('-')[0]);
    const { join, results } = await startHistoryServer(second.topics);
    await first.topics.close();
    const client = await join('room', theirs);
    const { replayed, seam } = await readUntilSeam(client);
    expect(replayed.map((frame) => frame.id)).toEqual(ours);
    expect(seam).toEqual({ topic: 'room', after: ours[2], gap: true });
    expect(results).toEqual([{ gap: true, after: ours[2] }]);
  });

  it('without history: no ids, and since is answered with a gap', async () => {
    const topics = createTopics({ envelope: true });
    const { join, results } = await startHistoryServer(topics);
    const client = await join('room', '5-5');
    expect(await nextEnvelope(client)).toEqual({ topic: 'room', gap: true });
    await until(() => results.length === 1);
    expect(results[0]).toEqual({ gap: true, after: undefined });
    const published = topics.publish('room', 'hi');
    expect(await published).toBeUndefined();
    expect(await nextEnvelope(client)).toEqual({ topic: 'room', text: 'hi' });
    // Nothing allocated for the id that is not there: every publish returns the same resolved promise.
    expect(topics.publish('other', 'x')).toBe(published);
  });

  it('resolves publish() with the id a live subscriber and a resuming one receive the message with', async () => {
    const { topics } = historyTopics({});
    const { join } = await startHistoryServer(topics);
    const live = await join('room');
    const start = (await nextEnvelope(live)).after;
    const ids = [await topics.publish('room', 'one'), await topics.publish('room', { n: 2 }), await topics.publish('room', Buffer.from([7]))];
    const [epoch] = ids[0]!.split('-');
    expect(start).toBe(`${epoch}-0`);
    expect(ids).toEqual([`${epoch}-1`, `${epoch}-2`, `${epoch}-3`]);
    expect(await receive(live, 3)).toEqual([
      { topic: 'room', id: ids[0], text: 'one' },
      { topic: 'room', id: ids[1], text: '{"n":2}' },
      { topic: 'room', id: ids[2], binary: 'Bw==' },
    ]);
    const resumed = await join('room', ids[0]);
    const { replayed, seam } = await readUntilSeam(resumed);
    expect(replayed.map((frame) => frame.id)).toEqual(ids.slice(1));
    expect(seam).toEqual({ topic: 'room', after: ids[2] });
    // Each topic counts on its own.
    expect(await topics.publish('other', 'first')).toBe(`${epoch}-1`);
  });

  it('stops a catch-up cleanly when the connection leaves or the topics close', async () => {
    const { topics } = historyTopics({});
    await topics.publish('room', 'kept');
    const outcomes: string[] = [];
    const { join } = await startHistoryServer(topics, async (connection, topic, options) => {
      const subscribed = topics.subscribe(connection, topic, options);
      if (options.since === '1-1') {
        // Unsubscribed while the replay is under way: nothing of it is sent.
        await topics.unsubscribe(connection, topic);
        connection.sendText('unsubscribed');
      } else {
        void topics.close();
      }
      return subscribed.then(
        (result) => (outcomes.push('resolved'), result),
        (error: unknown) => (outcomes.push((error as UpsocketError).code), { gap: true, after: undefined }),
      );
    });
    const leaving = await join('room', '1-1');
    expect(await leaving.nextText()).toBe('unsubscribed');
    expect(topics.subscriberCount('room')).toBe(0);
    await topics.publish('room', 'after');
    expect(await leaving.next(200).catch(() => 'nothing')).toBe('nothing');
    await join('room', '2-2');
    await until(() => outcomes.length === 2);
    expect(outcomes).toEqual(['resolved', 'UPSOCKET_TOPICS_CLOSED']);
  });

  it('lets a connection that leaves during its catch-up subscribe again with a catch-up of its own', async () => {
    const { topics } = historyTopics({});
    await topics.publish('room', 'kept');
    const { join, results } = await startHistoryServer(topics, async (connection, topic) => {
      const first = topics.subscribe(connection, topic, { since: '1-1' });
      await topics.unsubscribe(connection, topic);
      const second = topics.subscribe(connection, topic);
      await first;
      return second;
    });
    const client = await join('room');
    const { replayed, seam } = await readUntilSeam(client);
    // Only the second subscription's seam: no replay from the first one's since, no gap.
    expect(replayed).toEqual([]);
    expect(seam.gap).toBeUndefined();
    await until(() => results.length === 1);
    expect(results[0]).toEqual({ gap: false, after: seam.after });
    expect(await client.next(200).catch(() => 'nothing')).toBe('nothing');
  });

  it('checks its options', () => {
    const noHistory: TopicBackend = { publish: async () => {}, subscribe: async () => {}, unsubscribe: async () => {}, close: async () => {} };
    const codeOf = (make: () => unknown): string | undefined => {
      try {
        make();
      } catch (error) {
        return (error as UpsocketError).code;
      }
      return undefined;
    };
    expect(codeOf(() => createTopics({ backend: noHistory, history: {} }))).toBe('UPSOCKET_INVALID_OPTION');
    expect(() => createTopics({ backend: noHistory, history: {} })).toThrow(/history needs a backend that keeps history/);
    expect(codeOf(() => createTopics({ history: { maxMesages: 3 } as never }))).toBe('UPSOCKET_INVALID_OPTION');
    expect(() => createTopics({ history: { maxMessages: 0 } })).toThrow(/maxMessages must be a positive integer/);
    expect(codeOf(() => createTopics({ envelope: 'yes' as never }))).toBe('UPSOCKET_INVALID_OPTION');
    expect(codeOf(() => createTopics({ backend: noHistory }))).toBeUndefined();
  });
});
