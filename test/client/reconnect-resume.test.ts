// reconnecting({ resume: true }) against the test stand-in of the server side of the resume
// contract (test/helpers/resume-server.ts).
import { describe, expect, it } from 'vitest';
import { reconnecting, type Connection, type ReconnectOptions } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { resumeServer, type ResumeServer } from '../helpers/resume-server.js';
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
    const gaps: string[] = [];
    const { client, received } = collecting(server, { resume: true, onGap: (topic) => gaps.push(topic) });
    await until(() => client.state === 'open' && server.clients.size === 1, 5000, 'the connection');
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

  it('rejects onGap without resume', () => {
    expect(() => reconnecting('ws://127.0.0.1:1/', () => undefined, { onGap: () => undefined })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
  });
});
