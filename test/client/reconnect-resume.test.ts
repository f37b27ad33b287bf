// reconnecting({ resume: true }) against the test stand-in of the server side of the resume
// contract (test/helpers/resume-server.ts).
import { describe, expect, it } from 'vitest';
import { reconnecting, type Connection, type ReconnectOptions } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { envelopeOf, resumeServer, type ResumeServer } from '../helpers/resume-server.js';
import { roomServer } from '../helpers/room-server.js';
import { until } from '../helpers/server.js';

const fast = { initialDelay: 10, maxDelay: 40, jitter: 0 };

/** A reconnecting client that collects every text message its handler reads. */
function collecting(server: ResumeServer, options: ReconnectOptions) {
  const received: string[] = [];
  const handler = async (connection: Connection): Promise<void> => {
    for await (const message of connection) received.push(message.text());
  };
  const client = reconnecting(`ws://127.0.0.1:${server.port}/feed`, handler, { ...fast, ...options });
  onCleanup(() => client.close());
  return { client, received };
}

/** A resuming client that records its gaps, once connected to `server`. */
async function resumingWithGaps(server: ResumeServer) {
  const gaps: string[] = [];
  const collected = collecting(server, { resume: true, onGap: (topic) => gaps.push(topic) });
  await until(() => collected.client.state === 'open' && server.clients.size === 1, 5000, 'the connection');
  return { ...collected, gaps };
}

const payloads = (received: string[], topic: string) =>
  received.filter((text) => text.startsWith('{')).map((text) => JSON.parse(text) as { topic: string; text: string }).filter((message) => message.topic === topic).map(({ text }) => text);

describe('reconnecting({ resume: true })', () => {
  it('resumes after a server restart: each message published while down reaches the handler once, in order', async () => {
    const server = await resumeServer({ topics: ['a', 'b'] });
    const { client, received } = collecting(server, { resume: true });
    await until(() => client.state === 'open' && server.clients.size === 1, 5000, 'the first connection');
    server.publish('a', 'a1');
    server.publish('b', 'b1');
    await until(() => received.length === 2, 5000, 'the first two');
    await server.stop();
    for (let index = 2; index <= 41; index++) server.publish(index % 2 === 0 ? 'a' : 'b', `m${index}`);
    await server.start();
    await until(() => received.length === 42, 5000, '42 messages');
    for (const socket of server.clients) socket.send('plain');
    server.publish('b', 'live');
    await until(() => received.length === 44, 5000, 'the live ones');
    // Seam markers are consumed by the client: only messages reach the handler.
    expect(received.filter((text) => text.includes('"after"'))).toEqual([]);
    expect(received).toContain('plain');
    expect(payloads(received, 'a')).toEqual(['a1', ...Array.from({ length: 20 }, (_, index) => `m${index * 2 + 2}`)]);
    expect(payloads(received, 'b')).toEqual(['b1', ...Array.from({ length: 20 }, (_, index) => `m${index * 2 + 3}`), 'live']);
    const lastIds = { a: server.history[0]!.id, b: server.history[1]!.id };
    expect(server.urls.at(-1)).toBe(`/feed?upsocket-resume=${encodeURIComponent(JSON.stringify(lastIds))}`);
    expect(client.lastIds).toEqual({ a: server.history.at(-3)!.id, b: server.history.at(-1)!.id });
  });

  it('drops envelope messages already seen, comparing ids as numbers', async () => {
    const server = await resumeServer({ topics: ['room'], ignoreResume: true });
    for (let index = 1; index <= 10; index++) server.publish('room', `m${index}`);
    const { client, received } = collecting(server, { resume: true });
    await until(() => received.length === 10, 5000, 'the first ten');
    await server.stop();
    server.publish('room', 'm11');
    await server.start();
    await until(() => received.length >= 11 && client.state === 'open', 5000, 'the reconnect');
    server.publish('room', 'm12');
    await until(() => received.length === 12, 5000, 'the twelfth');
    expect(payloads(received, 'room')).toEqual(Array.from({ length: 12 }, (_, index) => `m${index + 1}`));
  });

  it('calls onGap when the server trimmed messages the client had not seen', async () => {
    const server = await resumeServer({ topics: ['room'] });
    const { client, received, gaps } = await resumingWithGaps(server);
    server.publish('room', 'seen');
    await until(() => received.length === 1, 5000, 'the first');
    await server.stop();
    server.publish('room', 'lost');
    server.publish('room', 'kept');
    server.trim('room', 2);
    await server.start();
    await until(() => gaps.length === 1 && received.length === 2, 5000, 'the gap');
    expect(gaps).toEqual(['room']);
    expect(payloads(received, 'room')).toEqual(['seen', 'kept']);
  });

  it('without resume, leaves the URL and the messages alone (seams and duplicates reach the handler)', async () => {
    const server = await resumeServer({ topics: ['room'], ignoreResume: true });
    server.publish('room', 'm1');
    const { client, received } = collecting(server, {});
    await until(() => received.length === 2, 5000, 'the replay and the seam');
    await server.stop();
    await server.start();
    await until(() => received.length === 4 && client.state === 'open', 5000, 'the second replay');
    expect(server.urls).toEqual(['/feed', '/feed']);
    expect(payloads(received, 'room')).toEqual(['m1', undefined, 'm1', undefined]);
    expect(client.lastIds).toEqual({});
  });

  it('calls onGap for a seam newer than its last id when nothing was replayed (a server that forgot since)', async () => {
    const server = await resumeServer({ topics: ['room'], forgetResume: true });
    const { client, received, gaps } = await resumingWithGaps(server);
    server.publish('room', 'seen');
    await until(() => received.length === 1, 5000, 'the first');
    await server.stop();
    server.publish('room', 'missed');
    await server.start();
    await until(() => server.clients.size === 1, 5000, 'the reconnect');
    server.publish('room', 'live');
    await until(() => received.length === 2, 5000, 'the live one');
    expect(gaps).toEqual(['room']);
    expect(payloads(received, 'room')).toEqual(['seen', 'live']);
  });

  it('calls onGap for a gap seam in the middle of the stream, keeps its newer last id and the messages after it', async () => {
    const server = await resumeServer({ topics: ['room'] });
    const { client, received, gaps } = await resumingWithGaps(server);
    const first = server.publish('room', 'm1');
    const second = server.publish('room', 'm2');
    await until(() => received.length === 2, 5000, 'two messages');
    // A gap seam whose after is older than the last id: reported, and the last id stays.
    server.seam('room', first, true);
    await until(() => gaps.length === 1, 5000, 'the first gap');
    expect(client.lastIds).toEqual({ room: second });
    // One ahead of what was delivered (the lost ones): reported, and the next message still arrives.
    const [epoch, seq] = second.split('-');
    const lost = `${epoch}-${Number(seq) + 1}`;
    server.seam('room', lost, true);
    await until(() => gaps.length === 2, 5000, 'the second gap');
    expect(client.lastIds).toEqual({ room: lost });
    server.publish('room', 'lost one');
    server.publish('room', 'm4');
    await until(() => received.length === 3, 5000, 'the message after the gap');
    expect(payloads(received, 'room')).toEqual(['m1', 'm2', 'm4']);
    expect(gaps).toEqual(['room', 'room']);
  });

  it("hands the app's own frames to the handler as they came (JSON with a topic field too), drops duplicates, and text() is each frame's text", async () => {
    const server = await resumeServer({ topics: ['room'] });
    const frames: { text: string; bytes: string; json: unknown }[] = [];
    const client = reconnecting(
      `ws://127.0.0.1:${server.port}/feed`,
      async (connection) => {
        for await (const message of connection) frames.push({ text: message.text(), bytes: message.data.toString('utf8'), json: message.json() });
      },
      { ...fast, resume: true },
    );
    onCleanup(() => client.close());
    await until(() => client.state === 'open' && server.clients.size === 1, 5000, 'the connection');
    const id = server.publish('room', 'm1 ✓');
    await until(() => frames.length === 1, 5000, 'the first message');
    const own = [
      `{"topic":"room","id":"${id}","text":"m1 ✓","from":"bob"}`,
      '{"topic":"room","user":"bob \\"b\\" ünï"}',
      `{"id":"${id}","topic":"room","text":"m1 ✓","":0}`,
      '{"topic":"room","id":"1-1","text":5}',
    ];
    const duplicates = [envelopeOf({ topic: 'room', id, data: 'm1 ✓' }), `{"text":"m1 ✓","id":"${id}","topic":"room"}`];
    const withoutId = '{"topic":"room","text":"no id: \\"q\\" \\u00e9 ✓"}';
    for (const socket of server.clients) for (const frame of [...own, ...duplicates, withoutId, '["plain"]']) socket.send(frame);
    server.publish('room', 'm2');
    await until(() => frames.length === 8, 5000, 'every frame');
    expect(frames.map(({ text }) => text)).toEqual([envelopeOf({ topic: 'room', id, data: 'm1 ✓' }), ...own, withoutId, '["plain"]', envelopeOf(server.history[1]!)]);
    for (const { text, bytes, json } of frames) {
      expect(text).toBe(bytes);
      expect(json).toEqual(JSON.parse(bytes));
    }
    expect(client.lastIds).toEqual({ room: server.history[1]!.id });
  });

  it('rejects onGap without resume', () => {
    expect(() => reconnecting('ws://127.0.0.1:1/', () => undefined, { onGap: () => undefined })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
  });
});

// Issue 22, item 3: m0–m4, the client drops, m5–m9 are published, it reconnects, then m10, against
// a real upsocket server whose route subscribes without `since`.
describe('reconnecting({ resume: true }) against a route that forgets since', () => {
  async function scenario(subscribe: { since: null } | undefined) {
    const server = await roomServer({ subscribe });
    const gaps: string[] = [];
    const received: string[] = [];
    const client = reconnecting(`${server.wsUrl}/feed`, async (connection) => {
      for await (const message of connection) received.push(message.text());
    }, { ...fast, resume: true, onGap: (topic) => gaps.push(topic) });
    onCleanup(() => client.close());
    await until(() => server.subscribed === 1, 5000, 'the subscription');
    for (let index = 0; index < 5; index++) await server.topics.publish('room', `m${index}`);
    await until(() => received.length === 5, 5000, 'm0-m4');
    server.down();
    await until(() => server.subscribed === 0, 5000, 'the drop');
    for (let index = 5; index < 10; index++) await server.topics.publish('room', `m${index}`);
    server.up();
    await until(() => server.subscribed === 1 && client.state === 'open', 5000, 'the reconnect');
    const last = await server.topics.publish('room', 'm10');
    await until(() => received.some((text) => text.includes('"m10"')), 5000, 'm10');
    return { received: payloads(received, 'room'), gaps, lastIds: client.lastIds, last };
  }

  it('loses nothing: the route resumes from the URL (no options at all)', async () => {
    const { received, gaps, lastIds, last } = await scenario(undefined);
    expect(received).toEqual(Array.from({ length: 11 }, (_, index) => `m${index}`));
    expect(gaps).toEqual([]);
    expect(lastIds).toEqual({ room: last });
  });

  it('reports the gap when the route subscribes with since: null', async () => {
    const { received, gaps } = await scenario({ since: null });
    expect(received).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm10']);
    expect(gaps).toEqual(['room']);
  });
});
