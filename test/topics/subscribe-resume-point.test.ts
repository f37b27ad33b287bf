// Issue 22, item 3(a): with history, subscribe() without `since` resumes from the resume point the
// client sent in its upgrade URL; `since: null` opts out, an explicit `since` wins.
import { describe, expect, it } from 'vitest';
import { createTopics, UpsocketError, type Connection } from '../../src/index.js';
import { pair } from '../../src/testing/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { TestClient } from '../helpers/ws-client.js';
import { roomServer } from '../helpers/room-server.js';

const resumeUrl = (points: Record<string, string>) => `/feed?upsocket-resume=${encodeURIComponent(JSON.stringify(points))}`;

function historyTopics(options: { envelope?: boolean; history?: boolean } = {}) {
  const topics = createTopics({ ...(options.history !== false && { history: { maxMessages: 100 } }), envelope: options.envelope ?? true });
  onCleanup(() => topics.close());
  return topics;
}

async function publishAll(topics: ReturnType<typeof createTopics>, topic: string, texts: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const text of texts) ids.push((await topics.publish(topic, text))!);
  return ids;
}

/** A client end whose server end's request URL is `url`. */
function connectionAt(url: string): [server: Connection, client: Connection] {
  const ends = pair({ url });
  onCleanup(() => ends[0].terminate());
  return ends;
}

const frames = async (client: Connection, count: number): Promise<unknown[]> => {
  const read: unknown[] = [];
  while (read.length < count) read.push(JSON.parse((await client.read())!.text()));
  return read;
};

describe('subscribe() without since takes the resume point from the connection request', () => {
  it('replays what came after the URL resume point, for a route on a real server that passes no options', async () => {
    const server = await roomServer();
    const ids = await publishAll(server.topics, 'room', ['m0', 'm1', 'm2', 'm3']);
    const client = await TestClient.connect(`${server.wsUrl}${resumeUrl({ room: ids[1]! })}`);
    onCleanup(() => client.ws.terminate());
    expect(JSON.parse(await client.nextText())).toEqual({ topic: 'room', id: ids[2], text: 'm2' });
    expect(JSON.parse(await client.nextText())).toEqual({ topic: 'room', id: ids[3], text: 'm3' });
    expect(JSON.parse(await client.nextText())).toEqual({ topic: 'room', after: ids[3] });
    expect(server.results).toEqual([{ gap: false, after: ids[3] }]);
  });

  it('reads it from an Express request too (the settled copy keeps the URL)', async () => {
    const server = await roomServer({ express: true });
    const ids = await publishAll(server.topics, 'room', ['m0', 'm1']);
    const client = await TestClient.connect(`${server.wsUrl}${resumeUrl({ room: ids[0]! })}`);
    onCleanup(() => client.ws.terminate());
    expect(JSON.parse(await client.nextText())).toEqual({ topic: 'room', id: ids[1], text: 'm1' });
    expect(JSON.parse(await client.nextText())).toEqual({ topic: 'room', after: ids[1] });
  });

  it('since: null starts live whatever the URL says', async () => {
    const server = await roomServer({ subscribe: { since: null } });
    const ids = await publishAll(server.topics, 'room', ['m0', 'm1']);
    const client = await TestClient.connect(`${server.wsUrl}${resumeUrl({ room: ids[0]! })}`);
    onCleanup(() => client.ws.terminate());
    expect(JSON.parse(await client.nextText())).toEqual({ topic: 'room', after: ids[1] });
    const [live] = await publishAll(server.topics, 'room', ['m2']);
    expect(JSON.parse(await client.nextText())).toEqual({ topic: 'room', id: live, text: 'm2' });
    expect(server.results).toEqual([{ gap: false, after: ids[1] }]);
  });

  it('an explicit since wins over the URL', async () => {
    const topics = historyTopics();
    const ids = await publishAll(topics, 'room', ['m0', 'm1', 'm2']);
    const [server, client] = connectionAt(resumeUrl({ room: ids[2]! }));
    expect(await topics.subscribe(server, 'room', { since: ids[0] })).toEqual({ gap: false, after: ids[2] });
    expect(await frames(client, 3)).toEqual([
      { topic: 'room', id: ids[1], text: 'm1' },
      { topic: 'room', id: ids[2], text: 'm2' },
      { topic: 'room', after: ids[2] },
    ]);
  });

  it('uses each resume point once per connection: subscribing again later starts live', async () => {
    const topics = historyTopics();
    const ids = await publishAll(topics, 'room', ['m0', 'm1']);
    const [server, client] = connectionAt(resumeUrl({ room: ids[0]!, other: '1-1' }));
    await topics.subscribe(server, 'room');
    expect(await frames(client, 2)).toEqual([{ topic: 'room', id: ids[1], text: 'm1' }, { topic: 'room', after: ids[1] }]);
    await topics.unsubscribe(server, 'room');
    const [m2] = await publishAll(topics, 'room', ['m2']);
    expect(await topics.subscribe(server, 'room')).toEqual({ gap: false, after: m2 });
    expect(await frames(client, 1)).toEqual([{ topic: 'room', after: m2 }]);
  });

  it('resumes raw subscribers too, and reports a gap the URL resume point runs into', async () => {
    const topics = createTopics({ history: { maxMessages: 2 } });
    onCleanup(() => topics.close());
    const ids = await publishAll(topics, 'room', ['m0', 'm1', 'm2', 'm3']);
    const [server, client] = connectionAt(resumeUrl({ room: ids[0]! }));
    expect(await topics.subscribe(server, 'room')).toEqual({ gap: true, after: ids[3] });
    expect((await client.read())!.text()).toBe('m2');
    expect((await client.read())!.text()).toBe('m3');
  });

  it('without history reads no URL and signals no gap', async () => {
    const topics = historyTopics({ history: false });
    const [server, client] = connectionAt(resumeUrl({ room: '1-1' }));
    expect(await topics.subscribe(server, 'room')).toEqual({ gap: false, after: undefined });
    expect(await topics.subscribe(server, 'other', { since: null })).toEqual({ gap: false, after: undefined });
    expect(await frames(client, 2)).toEqual([{ topic: 'room' }, { topic: 'other' }]);
  });

  it('rejects a since that is neither a string nor null', () => {
    const topics = historyTopics();
    const [server] = connectionAt('/');
    expect(() => topics.subscribe(server, 'room', { since: 5 as unknown as string })).toThrow(
      expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('since must be a message id') }) as UpsocketError,
    );
  });
});
