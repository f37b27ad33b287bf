// connectResumable() on Node with ws's WebSocket (Node 20 has no global one), against the test
// stand-in of the server side (test/helpers/resume-server.ts).
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  compareIds,
  connectResumable,
  ResumableError,
  type ResumableClient,
  type ResumableMessageEvent,
  type ResumableOptions,
  type ResumableState,
  type WebSocketConstructor,
} from '../../src/browser/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { resumeServer, type ResumeServer } from '../helpers/resume-server.js';

const backoff = { initial: 20, max: 100 };

/** A client on ws's WebSocket, closed after the test, recording what it dispatches. */
function client(server: ResumeServer, options: ResumableOptions = {}) {
  const resumable = connectResumable(`ws://127.0.0.1:${server.port}/feed`, { WebSocket: WebSocket as unknown as WebSocketConstructor, backoff, ...options });
  onCleanup(() => resumable.close());
  const messages: ResumableMessageEvent[] = [];
  const states: ResumableState[] = [];
  const gaps: string[] = [];
  resumable.addEventListener('message', (event) => messages.push(event));
  resumable.addEventListener('state', ({ state }) => states.push(state));
  resumable.addEventListener('gap', ({ topic }) => gaps.push(topic));
  return { resumable, messages, states, gaps };
}

function until(condition: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (condition()) return resolve();
      if (Date.now() - started > 5000) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 5);
    };
    check();
  });
}

const opened = (resumable: ResumableClient) => until(() => resumable.state === 'open', 'open');
const texts = (messages: ResumableMessageEvent[]) => messages.map(({ data }) => data);

describe('connectResumable()', () => {
  it('delivers envelope messages with topic and id (text and binary) and other frames as they came', async () => {
    const server = await resumeServer({ topics: ['room'] });
    const { resumable, messages } = client(server);
    await opened(resumable);
    await until(() => resumable.lastIds.room === undefined && server.clients.size === 1, 'the subscription');
    const id = server.publish('room', 'hello');
    server.publish('room', new Uint8Array([1, 2, 255]));
    for (const socket of server.clients) {
      socket.send('plain text');
      socket.send(Buffer.from([7, 8]));
    }
    await until(() => messages.length === 4, '4 messages');
    expect(messages.map(({ topic, id }) => [topic, id])).toEqual([
      ['room', id],
      ['room', server.history[1]!.id],
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(texts(messages)).toEqual(['hello', new Uint8Array([1, 2, 255]), 'plain text', new Uint8Array([7, 8])]);
    expect(resumable.lastIds).toEqual({ room: server.history[1]!.id });
  });

  it('resumes after a server restart: every message published while down arrives once, in order', async () => {
    const server = await resumeServer({ topics: ['a', 'b'] });
    const { resumable, messages, states } = client(server);
    await opened(resumable);
    server.publish('a', 'a1');
    server.publish('b', 'b1');
    await until(() => messages.length === 2, 'the first two');
    await server.stop();
    await until(() => resumable.state === 'reconnecting', 'reconnecting');
    for (let index = 2; index <= 50; index++) server.publish(index % 2 === 0 ? 'a' : 'b', `m${index}`);
    await server.start();
    await until(() => messages.length === 51, '51 messages');
    server.publish('a', 'live');
    await until(() => messages.length === 52, 'the live one');
    // The replay goes topic by topic: each topic's messages in order, none twice, none missing.
    const ofTopic = (topic: string) => messages.filter((message) => message.topic === topic).map(({ data }) => data);
    const published = (topic: string) => server.history.filter((stored) => stored.topic === topic).map(({ data }) => data);
    expect(ofTopic('a')).toEqual(published('a'));
    expect(ofTopic('b')).toEqual(published('b'));
    expect(ofTopic('a')).toEqual(['a1', ...Array.from({ length: 25 }, (_, index) => `m${index * 2 + 2}`), 'live']);
    const resumeUrl = server.urls.at(-1)!;
    expect(JSON.parse(new URL(resumeUrl, 'ws://x').searchParams.get('upsocket-resume')!)).toEqual({ a: server.history[0]!.id, b: server.history[1]!.id });
    expect(resumeUrl).toContain(`upsocket-resume=${encodeURIComponent(JSON.stringify({ a: server.history[0]!.id, b: server.history[1]!.id }))}`);
    expect(states).toEqual(['open', 'reconnecting', 'open']);
  });

  it('resumes from the seam marker of a topic that had no message for this client yet', async () => {
    const server = await resumeServer({ topics: ['quiet'] });
    server.publish('quiet', 'before the client');
    const { resumable, messages } = client(server);
    await until(() => resumable.lastIds.quiet === server.history[0]!.id, 'the seam');
    await server.stop();
    server.publish('quiet', 'while down');
    await server.start();
    await until(() => messages.length === 1, 'the replay');
    expect(texts(messages)).toEqual(['while down']);
  });

  it('drops duplicates: a server that replays everything on each connection shows each message once', async () => {
    const server = await resumeServer({ topics: ['room'], ignoreResume: true });
    for (let index = 1; index <= 9; index++) server.publish('room', `m${index}`);
    server.publish('room', 'm10');
    const { resumable, messages } = client(server);
    await until(() => messages.length === 10, '10 messages');
    await server.stop();
    server.publish('room', 'm11');
    await server.start();
    await until(() => messages.length === 11 && resumable.state === 'open', 'the 11th');
    server.publish('room', 'm12');
    await until(() => messages.length === 12, 'the 12th');
    // Ids compared as numbers: "-10" comes after "-9" (as strings it would not).
    expect(texts(messages)).toEqual(Array.from({ length: 12 }, (_, index) => `m${index + 1}`));
  });

  it("dispatches 'gap' when the server trimmed messages the client has not seen", async () => {
    const server = await resumeServer({ topics: ['room'] });
    const { resumable, messages, gaps } = client(server);
    await opened(resumable);
    server.publish('room', 'seen');
    await until(() => messages.length === 1, 'the first');
    await server.stop();
    server.publish('room', 'lost');
    server.publish('room', 'kept');
    server.trim('room', 2);
    await server.start();
    await until(() => gaps.length === 1, 'the gap');
    expect(gaps).toEqual(['room']);
    expect(texts(messages)).toEqual(['seen', 'kept']);
  });

  it('throws UPSOCKET_CLOSED on send() while disconnected, and after close() stops reconnecting', async () => {
    const server = await resumeServer({ topics: [] });
    const { resumable, states } = client(server);
    expect(() => resumable.send('too early')).toThrow(expect.objectContaining({ code: 'UPSOCKET_CLOSED' }));
    await opened(resumable);
    const { received } = server;
    resumable.send('hello');
    await until(() => received.length === 1, 'hello');
    resumable.close();
    expect(resumable.state).toBe('closed');
    expect(() => resumable.send('after close')).toThrow(ResumableError);
    await server.stop();
    await server.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.urls).toHaveLength(1);
    expect(states).toEqual(['open', 'closed']);
  });

  it("close() while an attempt is still connecting throws nothing later (ws's WebSocket emits 'error' then)", async () => {
    // A server that takes the TCP connection and never answers the upgrade.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => (sockets.forEach((socket) => socket.destroy()), silent.close(resolve))));
    const { port } = silent.address() as AddressInfo;
    const resumable = connectResumable(`ws://127.0.0.1:${port}/`, { WebSocket: WebSocket as unknown as WebSocketConstructor });
    await until(() => sockets.length === 1, 'the TCP connection');
    resumable.close();
    // An uncaught 'error' would surface here, or as an unhandled error failing the run.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resumable.state).toBe('closed');
  });

  it('with queue: keeps up to max messages while disconnected, sends them in order once open, throws UPSOCKET_QUEUE_FULL past max', async () => {
    const server = await resumeServer({ topics: [] });
    const { received } = server;
    const { resumable } = client(server, { queue: { max: 2 } });
    resumable.send('one');
    resumable.send(new TextEncoder().encode('two'));
    expect(() => resumable.send('three')).toThrow(expect.objectContaining({ code: 'UPSOCKET_QUEUE_FULL' }));
    expect(resumable.queued).toBe(2);
    await until(() => received.length === 2, 'the queued messages');
    expect(received).toEqual(['one', 'two']);
    expect(resumable.queued).toBe(0);
  });

  it('rejects unknown and invalid options with UPSOCKET_INVALID_OPTION', () => {
    const url = 'ws://127.0.0.1:1/';
    const WebSocketClass = WebSocket as unknown as WebSocketConstructor;
    expect(() => connectResumable(url, { backof: {} } as ResumableOptions)).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    expect(() => connectResumable(url, { WebSocket: WebSocketClass, backoff: { initial: 0 } })).toThrow(/backoff.initial/);
    expect(() => connectResumable(url, { WebSocket: WebSocketClass, backoff: { initial: 500, max: 100 } })).toThrow(/backoff.max/);
    expect(() => connectResumable(url, { WebSocket: WebSocketClass, queue: {} as { max: number } })).toThrow(/queue.max/);
    if (!('WebSocket' in globalThis)) expect(() => connectResumable(url)).toThrow(/no global WebSocket/);
  });

  it("dispatches 'gap' for a seam newer than its last id when nothing was replayed (a server that forgot since)", async () => {
    const server = await resumeServer({ topics: ['room'], forgetResume: true });
    const { resumable, messages, gaps } = client(server);
    await opened(resumable);
    await until(() => server.clients.size === 1, 'the subscription');
    server.publish('room', 'seen');
    await until(() => messages.length === 1, 'the first');
    await server.stop();
    server.publish('room', 'missed');
    await server.start();
    await until(() => server.clients.size === 1 && resumable.state === 'open', 'the reconnect');
    server.publish('room', 'live');
    await until(() => messages.length === 2, 'the live one');
    expect(gaps).toEqual(['room']);
    expect(texts(messages)).toEqual(['seen', 'live']);
  });

  it("dispatches 'gap' for a gap seam in the middle of the stream, keeps its newer last id and the messages after it", async () => {
    const server = await resumeServer({ topics: ['room'] });
    const { resumable, messages, gaps } = client(server);
    await opened(resumable);
    await until(() => server.clients.size === 1, 'the subscription');
    const first = server.publish('room', 'm1');
    const second = server.publish('room', 'm2');
    await until(() => messages.length === 2, 'two messages');
    server.seam('room', first, true);
    await until(() => gaps.length === 1, 'the first gap');
    expect(resumable.lastIds).toEqual({ room: second });
    const [epoch, seq] = second.split('-');
    const lost = `${epoch}-${Number(seq) + 1}`;
    server.seam('room', lost, true);
    await until(() => gaps.length === 2, 'the second gap');
    expect(resumable.lastIds).toEqual({ room: lost });
    server.publish('room', 'lost one');
    server.publish('room', 'm4');
    await until(() => messages.length === 3, 'the message after the gap');
    expect(texts(messages)).toEqual(['m1', 'm2', 'm4']);
  });

  it('compares ids numerically, ms first, then seq', () => {
    expect(compareIds('1-9', '1-10')).toBeLessThan(0);
    expect(compareIds('2-1', '1-10')).toBeGreaterThan(0);
    expect(compareIds('1733140000000-5', '1733140000000-5')).toBe(0);
    // Beyond 2^53 too: compared as digit strings, not floats.
    expect(compareIds('1-9007199254740993', '1-9007199254740992')).toBeGreaterThan(0);
    // Not an id: before every id, and equal to any other non-id.
    expect(compareIds('nonsense', '0-0')).toBeLessThan(0);
    expect(compareIds('1-1', '')).toBeGreaterThan(0);
    expect(compareIds('x', 'y')).toBe(0);
  });

  it('delivers envelope messages without an id (a server without history) with their topic, each one', async () => {
    const server = await resumeServer({ topics: [] });
    const { resumable, messages } = client(server);
    await opened(resumable);
    for (const socket of server.clients) {
      socket.send(JSON.stringify({ topic: 'room', text: 'same' }));
      socket.send(JSON.stringify({ topic: 'room', text: 'same' }));
      socket.send(JSON.stringify({ topic: 'room' })); // its seam: no id to resume from
    }
    await until(() => messages.length === 2, 'both');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages.map(({ topic, id, data }) => [topic, id, data])).toEqual([
      ['room', undefined, 'same'],
      ['room', undefined, 'same'],
    ]);
    expect(resumable.lastIds).toEqual({});
  });
});
