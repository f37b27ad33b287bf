import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../examples/shared/chat-room.js';
import type { ChatServer } from '../examples/shared/serve.js';
import { createChatServer as createNodeHttpChat } from '../examples/node-http/server.js';
import { onCleanup } from './helpers/cleanup.js';
import { listen, until, type StartedServer } from './helpers/server.js';
import { expectRefusal, TestClient } from './helpers/ws-client.js';

function start(createChatServer: () => ChatServer): Promise<StartedServer> {
  const { server, upsocket } = createChatServer();
  return listen(server, upsocket);
}

async function nextJson(client: TestClient): Promise<Record<string, unknown>> {
  return JSON.parse(await client.nextText()) as Record<string, unknown>;
}

function say(client: TestClient, message: Record<string, unknown>): void {
  client.ws.send(JSON.stringify({ type: 'say', ...message }));
}

/** Opens /chat over raw TCP and then stops reading: a browser whose tab froze. */
async function connectStalledClient(httpUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(httpUrl);
  const socket = connectTcp(Number(port), hostname);
  onCleanup(() => socket.destroy());
  await once(socket, 'connect');
  socket.write(
    `GET /chat HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  socket.pause();
  return socket;
}

describe('node-http chat example', () => {
  it('serves the chat page at / and says "no logins here" at /me', async () => {
    const { httpUrl } = await start(createNodeHttpChat);
    const page = await fetch(`${httpUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<title>upsocket chat</title>');
    expect(html).toContain('data-socket-path="/chat"');
    // The page reads 404 at /me as "pick a name yourself".
    expect((await fetch(`${httpUrl}/me`)).status).toBe(404);
    expect((await fetch(`${httpUrl}/chat`)).status).toBe(426);
  });

  it('broadcasts a say to every connection, the sender included', async () => {
    const { wsUrl } = await start(createNodeHttpChat);
    const alice = await TestClient.connect(`${wsUrl}/chat`);
    const bob = await TestClient.connect(`${wsUrl}/chat`);
    const before = Date.now();
    say(alice, { name: '  alice ', text: 'hi <b>bob</b>' });

    const toBob = await nextJson(bob);
    expect(toBob).toMatchObject({ type: 'said', name: 'alice', text: 'hi <b>bob</b>' });
    expect(toBob.at).toBeGreaterThanOrEqual(before);
    expect(toBob.at).toBeLessThanOrEqual(Date.now());
    expect(await nextJson(alice)).toEqual(toBob);

    say(bob, { name: 'bob', text: 'hello' });
    expect(await nextJson(alice)).toMatchObject({ name: 'bob', text: 'hello' });
    expect(await nextJson(bob)).toMatchObject({ name: 'bob', text: 'hello' });
  });

  it('answers invalid messages with an error to the sender only and stays open', async () => {
    const { wsUrl } = await start(createNodeHttpChat);
    const alice = await TestClient.connect(`${wsUrl}/chat`);
    const bob = await TestClient.connect(`${wsUrl}/chat`);
    const invalid: [string, RegExp][] = [
      ['not json', /JSON/],
      [JSON.stringify({ type: 'shout', name: 'alice', text: 'hi' }), /"type": "say"/],
      [JSON.stringify({ type: 'say', text: 'hi' }), /"name"/],
      [JSON.stringify({ type: 'say', name: 'a'.repeat(41), text: 'hi' }), /"name"/],
      [JSON.stringify({ type: 'say', name: 'alice', text: 42 }), /"text"/],
      [JSON.stringify({ type: 'say', name: 'alice', text: '   ' }), /"text"/],
      [JSON.stringify({ type: 'say', name: 'alice', text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }), /longer than 2000/],
    ];
    for (const [message, reason] of invalid) {
      alice.ws.send(message);
      const answer = await nextJson(alice);
      expect(answer.type).toBe('error');
      expect(answer.reason).toMatch(reason);
    }
    // Still open, and none of the above reached bob: the next thing he hears is this.
    const longest = 'y'.repeat(MAX_TEXT_LENGTH);
    say(alice, { name: 'alice', text: longest });
    expect(await nextJson(bob)).toMatchObject({ type: 'said', name: 'alice', text: longest });
    expect(await nextJson(alice)).toMatchObject({ type: 'said', text: longest });
  });

  it('closes a binary sender with 1003 and an oversized message with 1009', async () => {
    const { wsUrl } = await start(createNodeHttpChat);
    const binary = await TestClient.connect(`${wsUrl}/chat`);
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect(await binary.closed).toEqual({ code: 1003, reason: 'This chat speaks JSON text messages only' });

    const huge = await TestClient.connect(`${wsUrl}/chat`);
    huge.ws.send(JSON.stringify({ type: 'say', name: 'h', text: 'x'.repeat(20_000) }));
    expect((await huge.closed).code).toBe(1009);
  });

  it('keeps delivering to everyone while one recipient stops reading, then drops it', async () => {
    const { httpUrl, wsUrl, upsocket } = await start(createNodeHttpChat);
    await connectStalledClient(httpUrl);
    const sender = await TestClient.connect(`${wsUrl}/chat`);
    const reader = await TestClient.connect(`${wsUrl}/chat`);
    await until(() => upsocket.connections.size === 3, 5000, 'three connections');
    const states = (): string[] => [...upsocket.connections].map((connection) => connection.state);

    // Chat in batches until the stalled browser has filled its kernel buffers and then the room's
    // 1 MiB backlog (a few MB on loopback). Had the room awaited each recipient, it would stop
    // reading the sender once the stalled socket filled up, and the reader would time out here.
    const text = 'z'.repeat(MAX_TEXT_LENGTH - 6);
    let sent = 0;
    while (!states().includes('closing')) {
      expect(sent, 'the stalled recipient was never dropped').toBeLessThan(20_000);
      for (let i = sent; i < sent + 500; i++) say(sender, { name: 'sender', text: `${i} ${text}` });
      for (let i = sent; i < sent + 500; i++) {
        expect((await nextJson(reader)).text).toBe(`${i} ${text}`);
        expect((await nextJson(sender)).text).toBe(`${i} ${text}`);
      }
      sent += 500;
    }
    expect(sent).toBeGreaterThan(500);
    expect(states().sort()).toEqual(['closing', 'open', 'open']);

    say(sender, { name: 'sender', text: 'still here' });
    expect(await nextJson(reader)).toMatchObject({ text: 'still here' });
  });
});
