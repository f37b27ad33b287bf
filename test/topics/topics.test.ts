import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, * as wsModule from 'ws';
import {
  createMemoryBackend,
  createTopics,
  UpsocketError,
  type Connection,
  type OpenOptions,
  type TopicBackend,
  type Topics,
} from '../../src/index.js';
import { nodeHttpFixture } from '../conformance/node-http.fixture.js';
import { onCleanup } from '../helpers/cleanup.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

/**
 * A server whose `/rooms/:room` route subscribes each connection to `room` and to `user:<x-user>`.
 * The client says `leave` to unsubscribe from the room (answered with `left`); anything else is
 * published to the room.
 */
async function startRooms(topics: Topics, options?: OpenOptions) {
  const connections: Connection[] = [];
  onCleanup(() => topics.close());
  const started = await nodeHttpFixture.start({
    options,
    handler: async (connection, { room, user }) => {
      connections.push(connection);
      await topics.subscribe(connection, room);
      await topics.subscribe(connection, `user:${user}`);
      for await (const message of connection) {
        if (message.text() === 'leave') {
          await topics.unsubscribe(connection, room);
          connection.sendText('left');
        } else {
          await topics.publish(room, message.text());
        }
      }
    },
  });
  const join = async (room: string, user = 'anonymous', clientOptions: WebSocket.ClientOptions = {}): Promise<TestClient> => {
    const before = topics.subscriberCount(room);
    const client = await TestClient.connect(`${started.wsUrl}/rooms/${room}`, undefined, { ...clientOptions, headers: { 'x-user': user } });
    await until(() => topics.subscriberCount(room) === before + 1, 5000, `${user} in ${room}`);
    return client;
  };
  return { ...started, connections, join };
}

async function nextText(client: TestClient): Promise<string> {
  return client.nextText();
}

/** A real memory backend that records what `Topics` asked of it. */
function recordingBackend(): { backend: TopicBackend; calls: string[] } {
  const inner = createMemoryBackend();
  const calls: string[] = [];
  const backend: TopicBackend = {
    publish: (topic, message) => (calls.push(`publish ${topic}`), inner.publish(topic, message)),
    subscribe: (topic, listener) => (calls.push(`subscribe ${topic}`), inner.subscribe(topic, listener)),
    unsubscribe: (topic, listener) => (calls.push(`unsubscribe ${topic}`), inner.unsubscribe(topic, listener)),
    close: () => (calls.push('close'), inner.close()),
  };
  return { backend, calls };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('topics with the memory backend', () => {
  it('publishes to the subscribers of a topic only, and stops after unsubscribe', async () => {
    const topics = createTopics();
    const { join } = await startRooms(topics);
    const alice = await join('lobby', 'alice');
    const bob = await join('lobby', 'bob');
    const carol = await join('kitchen', 'carol');

    await topics.publish('lobby', 'hello lobby');
    expect(await nextText(alice)).toBe('hello lobby');
    expect(await nextText(bob)).toBe('hello lobby');
    await topics.publish('kitchen', 'hello kitchen');
    // carol's first message is the kitchen's: the lobby's never reached her.
    expect(await nextText(carol)).toBe('hello kitchen');

    // A subscriber's own messages go through the same topic.
    bob.ws.send('bob here');
    expect(await nextText(alice)).toBe('bob here');
    expect(await nextText(bob)).toBe('bob here');

    alice.ws.send('leave');
    expect(await nextText(alice)).toBe('left');
    expect(topics.subscriberCount('lobby')).toBe(1);
    await topics.publish('lobby', 'after alice left');
    expect(await nextText(bob)).toBe('after alice left');
    // A per-user topic still reaches her, and is the next thing she hears.
    await topics.publish('user:alice', 'just for alice');
    expect(await nextText(alice)).toBe('just for alice');
  });

  it('sends bytes as binary messages and other values as JSON text', async () => {
    const topics = createTopics();
    const { join } = await startRooms(topics);
    const client = await join('data');
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
    const payloads: [unknown, boolean, Buffer][] = [
      [Buffer.from([0, 255]), true, Buffer.from([0, 255])],
      [backing.subarray(2, 5), true, Buffer.from([1, 2, 3])],
      [new DataView(backing.buffer, 3, 2), true, Buffer.from([2, 3])],
      [new Uint16Array([0x0102]).buffer, true, Buffer.from(new Uint16Array([0x0102]).buffer)],
      ['plain text, é', false, Buffer.from('plain text, é')],
      [{ type: 'said', text: 'hi' }, false, Buffer.from('{"type":"said","text":"hi"}')],
      [[1, 'two'], false, Buffer.from('[1,"two"]')],
      [42, false, Buffer.from('42')],
      [null, false, Buffer.from('null')],
      ['', false, Buffer.alloc(0)],
    ];
    for (const [payload] of payloads) await topics.publish('data', payload);
    for (const [, isBinary, data] of payloads) {
      const received = await client.next();
      expect(received.isBinary).toBe(isBinary);
      expect(received.data).toEqual(data);
    }
  });

  it('unsubscribes a connection when it closes, from either side, and lets go of the topic', async () => {
    const { backend, calls } = recordingBackend();
    const topics = createTopics({ backend });
    const { join, connections } = await startRooms(topics);
    const first = await join('lobby', 'first');
    const second = await join('lobby', 'second');
    expect(calls.filter((call) => call === 'subscribe lobby')).toHaveLength(1);
    expect(topics.topicsOf(connections[0]!).sort()).toEqual(['lobby', 'user:first']);

    first.ws.terminate();
    await until(() => topics.subscriberCount('lobby') === 1, 5000, 'the dropped connection to leave');
    expect(topics.topicsOf(connections[0]!)).toEqual([]);
    expect(calls).toContain('unsubscribe user:first');
    expect(calls).not.toContain('unsubscribe lobby');

    void connections[1]!.close(1000);
    expect((await second.closed).code).toBe(1000);
    await until(() => topics.subscriberCount('lobby') === 0, 5000, 'the closed connection to leave');
    expect(calls).toContain('unsubscribe lobby');
    expect(topics.topicsOf(connections[1]!)).toEqual([]);
  });

  it('closes a subscriber that stays over maxBufferedAmount with 1013 while the others keep up', async () => {
    const topics = createTopics({ maxBufferedAmount: 64 * 1024 });
    const { httpUrl, join, connections } = await startRooms(topics);
    const stalled = await RawClient.open(Number(new URL(httpUrl).port), '/rooms/feed');
    await stalled.upgraded();
    await until(() => topics.subscriberCount('feed') === 1, 5000, 'the stalled subscriber');
    stalled.socket.pause();
    const reader = await join('feed', 'reader');
    const stalledConnection = connections[0]!;

    const chunk = 'x'.repeat(16 * 1024);
    let published = 0;
    while (stalledConnection.state === 'open') {
      expect(published, 'the stalled subscriber was never closed').toBeLessThan(5000);
      for (let i = 0; i < 50; i++) await topics.publish('feed', `${published + i} ${chunk}`);
      for (let i = 0; i < 50; i++) expect(await nextText(reader)).toBe(`${published + i} ${chunk}`);
      published += 50;
    }
    await topics.publish('feed', 'still here');
    expect(await nextText(reader)).toBe('still here');

    // Once it reads again, what it got ends with the 1013 close frame, and it missed messages.
    stalled.socket.resume();
    await until(() => stalled.frames.some((frame) => frame.opcode === 8), 10_000, 'the close frame');
    const close = stalled.frames.find((frame) => frame.opcode === 8)!;
    expect(close.payload.readUInt16BE(0)).toBe(1013);
    expect(close.payload.subarray(2).toString()).toBe('Too far behind: reconnect to catch up');
    expect(stalled.frames.filter((frame) => frame.opcode === 1).length).toBeLessThan(published);
  });

  it('frames a message once for all subscribers, and encodes nothing for a topic without any', async () => {
    const topics = createTopics();
    const { join } = await startRooms(topics);
    const frame = vi.spyOn((wsModule as unknown as { Sender: { frame: (...args: unknown[]) => unknown } }).Sender, 'frame');
    let encoded = 0;
    const value = { toJSON: () => (encoded++, { hello: 'everyone' }) };

    await topics.publish('empty', value);
    await topics.publish('empty', 'text');
    await topics.publish('empty', new Uint8Array(1000));
    expect(frame).not.toHaveBeenCalled();
    expect(encoded).toBe(0);

    const clients = [await join('busy'), await join('busy'), await join('busy')];
    const before = frame.mock.calls.length;
    await topics.publish('busy', value);
    expect(frame.mock.calls.length - before).toBe(1);
    expect(encoded).toBe(1);
    for (const client of clients) expect(await nextText(client)).toBe('{"hello":"everyone"}');
  });

  it('keeps one publisher’s order, also for compressed connections mixed with direct sends', async () => {
    const topics = createTopics();
    const { join, connections } = await startRooms(topics, { compression: true });
    const compressed = await join('ordered', 'compressed');
    const plain = await join('ordered', 'plain', { perMessageDeflate: false });
    expect(compressed.ws.extensions).toContain('permessage-deflate');
    expect(plain.ws.extensions).toBe('');

    // Text long enough for ws to compress it, interleaved with a direct send on the compressed
    // connection: ws compresses asynchronously, and a pre-framed write would overtake it.
    const text = (i: number) => `${i} ${'y'.repeat(2000)}`;
    for (let i = 0; i < 200; i++) {
      connections[0]!.sendText(`direct ${i}`);
      await topics.publish('ordered', text(i));
    }
    for (let i = 0; i < 200; i++) {
      expect(await nextText(compressed)).toBe(`direct ${i}`);
      expect(await nextText(compressed)).toBe(text(i));
      expect(await nextText(plain)).toBe(text(i));
    }
  });

  it('reports misuse with typed errors', async () => {
    const topics = createTopics();
    const { join, connections } = await startRooms(topics);
    const client = await join('strict');
    const codeOf = (action: () => unknown): string | undefined => {
      try {
        action();
      } catch (error) {
        return error instanceof UpsocketError ? error.code : 'not an UpsocketError';
      }
      return undefined;
    };
    expect(codeOf(() => createTopics({ maxBufferedAmount: 0 }))).toBe('UPSOCKET_INVALID_OPTION');
    expect(codeOf(() => topics.subscribe(connections[0]!, ''))).toBe('UPSOCKET_INVALID_TOPIC');
    expect(codeOf(() => topics.publish(42 as unknown as string, 'x'))).toBe('UPSOCKET_INVALID_TOPIC');
    expect(codeOf(() => topics.publish('strict', undefined))).toBe('UPSOCKET_INVALID_PAYLOAD');
    expect(codeOf(() => topics.publish('strict', () => 1))).toBe('UPSOCKET_INVALID_PAYLOAD');
    // Found while encoding, so only for a topic with subscribers.
    expect(codeOf(() => topics.publish('strict', { big: 1n }))).toBe('UPSOCKET_INVALID_PAYLOAD');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(codeOf(() => topics.publish('strict', cycle))).toBe('UPSOCKET_INVALID_PAYLOAD');

    await topics.close();
    expect(codeOf(() => topics.publish('strict', 'x'))).toBe('UPSOCKET_TOPICS_CLOSED');
    expect(codeOf(() => topics.subscribe(connections[0]!, 'strict'))).toBe('UPSOCKET_TOPICS_CLOSED');
    // Closing the topics leaves the connections alone.
    expect(connections[0]!.state).toBe('open');
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });
});
