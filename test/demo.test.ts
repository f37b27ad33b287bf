import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../examples/shared/chat-room.js';
import type { ChatServer } from '../examples/shared/serve.js';
import { createChatServer as createExpressChat } from '../examples/express/server.js';
import { createChatServer as createKoaChat } from '../examples/koa/server.js';
import { createChatServer as createNodeHttpChat } from '../examples/node-http/server.js';
import { onCleanup } from './helpers/cleanup.js';
import { listen, until, type StartedServer } from './helpers/server.js';
import { expectRefusal, TestClient } from './helpers/ws-client.js';
import type { ClientOptions } from 'ws';

function start(createChatServer: () => ChatServer): Promise<StartedServer> {
  const { server, upsocket, topics } = createChatServer();
  onCleanup(() => topics.close());
  return listen(server, upsocket);
}

/** Two in `kitchen`, one in `garden`, two in the lobby (`/chat` and `/chat/lobby`): each hears its own room only. */
async function expectRoomsApart(wsUrl: string, options: (name: string) => Promise<ClientOptions> = async () => ({})): Promise<void> {
  const join = async (path: string, name: string) => TestClient.connect(`${wsUrl}${path}`, undefined, await options(name));
  const alice = await join('/chat/kitchen', 'alice');
  const bob = await join('/chat/kitchen', 'bob');
  const carol = await join('/chat/garden', 'carol');
  const dave = await join('/chat', 'dave');
  const erin = await join('/chat/lobby', 'erin');

  say(alice, { name: 'alice', text: 'in the kitchen' });
  expect(await nextJson(bob)).toMatchObject({ type: 'said', name: 'alice', text: 'in the kitchen' });
  expect(await nextJson(alice)).toMatchObject({ type: 'said', name: 'alice', text: 'in the kitchen' });
  say(dave, { name: 'dave', text: 'in the lobby' });
  expect(await nextJson(erin)).toMatchObject({ name: 'dave', text: 'in the lobby' });
  expect(await nextJson(dave)).toMatchObject({ name: 'dave', text: 'in the lobby' });
  say(carol, { name: 'carol', text: 'in the garden' });
  // What each hears next is their own room's: nothing from the others came before it.
  expect(await nextJson(carol)).toMatchObject({ name: 'carol', text: 'in the garden' });
  say(bob, { name: 'bob', text: 'kitchen again' });
  expect(await nextJson(alice)).toMatchObject({ name: 'bob', text: 'kitchen again' });
  say(erin, { name: 'erin', text: 'lobby again' });
  expect(await nextJson(dave)).toMatchObject({ name: 'erin', text: 'lobby again' });
}

/** The rooms' messages come in upsocket's envelope, with an id; the seam marker after each subscribe is skipped. */
async function nextEnveloped(client: TestClient): Promise<{ id: string | undefined; message: Record<string, unknown> }> {
  for (;;) {
    const value = JSON.parse(await client.nextText()) as Record<string, unknown>;
    if (typeof value.topic !== 'string') return { id: undefined, message: value }; // a plain `error` to the sender
    if (typeof value.text === 'string') return { id: value.id as string, message: JSON.parse(value.text) as Record<string, unknown> };
  }
}

async function nextJson(client: TestClient): Promise<Record<string, unknown>> {
  return (await nextEnveloped(client)).message;
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
    // Self-contained, user text never parsed as HTML, and the inline script at least compiles.
    expect(html).not.toMatch(/\b(?:src|href|action)=["']?(?:https?:)?\/\//);
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(() => new Function(script!)).not.toThrow();
    // The one script the page loads: upsocket/browser, from the page's own origin.
    expect(html).toContain('data-client-path="/upsocket-browser.js"');
    const client = await fetch(`${httpUrl}/upsocket-browser.js`);
    expect(client.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await client.text()).toMatch(/export\s*\{[^}]*\bconnectResumable\b/);
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

  it('replays what a reconnecting browser missed, from the id in its upsocket-resume parameter', async () => {
    const { wsUrl } = await start(createNodeHttpChat);
    const alice = await TestClient.connect(`${wsUrl}/chat/kitchen`);
    say(alice, { name: 'alice', text: 'one' });
    const first = await nextEnveloped(alice);
    expect(first.message).toMatchObject({ type: 'said', text: 'one' });
    expect(first.id).toMatch(/^\d+-\d+$/);
    for (const text of ['two', 'three']) say(alice, { name: 'alice', text });
    expect(await nextJson(alice)).toMatchObject({ text: 'two' });
    expect(await nextJson(alice)).toMatchObject({ text: 'three' });

    const resume = encodeURIComponent(JSON.stringify({ 'room:kitchen': first.id }));
    const back = await TestClient.connect(`${wsUrl}/chat/kitchen?upsocket-resume=${resume}`);
    expect(await nextJson(back)).toMatchObject({ text: 'two' });
    expect(await nextJson(back)).toMatchObject({ text: 'three' });
    const seam = JSON.parse(await back.nextText()) as Record<string, unknown>;
    expect(seam).toEqual({ topic: 'room:kitchen', after: expect.stringMatching(/^\d+-3$/) });
    say(back, { name: 'back', text: 'live' });
    expect(await nextJson(back)).toMatchObject({ text: 'live' });
  });

  it('keeps rooms apart: /chat/<room> hears its room only, /chat is the lobby, a bad name is 404', async () => {
    const { httpUrl, wsUrl } = await start(createNodeHttpChat);
    await expectRoomsApart(wsUrl);
    expect((await fetch(`${httpUrl}/chat/no%20spaces`)).status).toBe(404);
    expect((await expectRefusal(`${wsUrl}/chat/${'x'.repeat(41)}`)).status).toBe(404);
    expect((await fetch(`${httpUrl}/chat/kitchen`)).status).toBe(426);
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

/** Logs in through the example's /login route; returns the `Cookie` header value to send back. */
async function logIn(httpUrl: string, name: string): Promise<string> {
  const response = await fetch(`${httpUrl}/login?name=${encodeURIComponent(name)}`, { redirect: 'manual' });
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/');
  const setCookie = response.headers.get('set-cookie');
  expect(setCookie).toMatch(/^session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
  return setCookie!.split(';')[0]!;
}

const sessionExamples: [string, () => ChatServer][] = [
  ['express', createExpressChat],
  ['koa', createKoaChat],
];

for (const [label, createChatServer] of sessionExamples) {
  describe(`${label} chat example (cookie session)`, () => {
    it('serves the chat page, and /me answers 401 until /login sets the session cookie', async () => {
      const { httpUrl } = await start(createChatServer);
      const page = await fetch(`${httpUrl}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('data-me-path="/me"');

      const anonymous = await fetch(`${httpUrl}/me`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).toContain('Log in first');
      expect((await fetch(`${httpUrl}/login`, { redirect: 'manual' })).status).toBe(400);

      const cookie = await logIn(httpUrl, 'Zoë Smith');
      const me = await fetch(`${httpUrl}/me`, { headers: { Cookie: cookie } });
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({ name: 'Zoë Smith' });
    });

    it('refuses the WebSocket handshake with 401 from the middleware when there is no session', async () => {
      const { wsUrl, upsocket } = await start(createChatServer);
      const answer = await expectRefusal(`${wsUrl}/chat`);
      expect(answer.status).toBe(401);
      expect(answer.body).toContain('Log in first');
      const forged = await expectRefusal(`${wsUrl}/chat`, { headers: { Cookie: 'session=' } });
      expect(forged.status).toBe(401);
      expect(upsocket.connections.size).toBe(0);
    });

    it('keeps rooms apart, and answers a bad room name with 404 before any handshake', async () => {
      const { httpUrl, wsUrl } = await start(createChatServer);
      await expectRoomsApart(wsUrl, async (name) => ({ headers: { Cookie: await logIn(httpUrl, name) } }));
      const cookie = await logIn(httpUrl, 'zoë');
      const refused = await expectRefusal(`${wsUrl}/chat/bad.name`, { headers: { Cookie: cookie } });
      expect(refused.status).toBe(404);
      expect(refused.body).toContain('No such room');
      // The session guard still runs first.
      expect((await expectRefusal(`${wsUrl}/chat/kitchen`)).status).toBe(401);
    });

    it('chats under the session names, whatever name the page sends', async () => {
      const { httpUrl, wsUrl } = await start(createChatServer);
      const alice = await TestClient.connect(`${wsUrl}/chat`, undefined, { headers: { Cookie: await logIn(httpUrl, 'alice') } });
      const bob = await TestClient.connect(`${wsUrl}/chat`, undefined, { headers: { Cookie: await logIn(httpUrl, 'bob') } });

      say(alice, { name: 'mallory', text: 'hi bob' });
      expect(await nextJson(bob)).toMatchObject({ type: 'said', name: 'alice', text: 'hi bob' });
      expect(await nextJson(alice)).toMatchObject({ type: 'said', name: 'alice', text: 'hi bob' });

      // No name at all is fine too: the session supplies it.
      bob.ws.send(JSON.stringify({ type: 'say', text: 'hi alice' }));
      expect(await nextJson(alice)).toMatchObject({ type: 'said', name: 'bob', text: 'hi alice' });
      expect(await nextJson(bob)).toMatchObject({ type: 'said', name: 'bob', text: 'hi alice' });

      bob.ws.send('{');
      expect(await nextJson(bob)).toMatchObject({ type: 'error', reason: 'Messages must be JSON' });
    });
  });
}
