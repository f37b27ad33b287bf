// Connection caps: maxConnections (503) and connectionsPerClient (429), both with Retry-After,
// refused before any 101 as HTTP, exact under concurrent handshakes, released on every close path.
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attach, handleUpgrade, open } from '../../../src/adapters/node-http/index.js';
import Router from '@koa/router';
import express from 'express';
import Koa from 'koa';
import { open as openExpress, websocket as websocketExpress } from '../../../src/adapters/express/index.js';
import { open as openKoa } from '../../../src/adapters/koa/index.js';
import type { AttachOptions, Connection, OpenOptions, RefusedUpgrade } from '../../../src/index.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { delay, listen, until } from '../../helpers/server.js';
import { RawClient } from '../../helpers/raw-client.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

type Attempt = { status: 101; ws: WebSocket } | { status: number; retryAfter: string | undefined };

/** One handshake: 101 (the WebSocket stays open, closed after the test), or the HTTP refusal. */
function attempt(url: string, headers?: Record<string, string>): Promise<Attempt> {
  const ws = new WebSocket(url, headers === undefined ? undefined : { headers });
  onCleanup(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] as string | undefined });
    });
  });
}

/** Reads until the peer closes; `/throw` throws instead (a 1011 close). */
async function holdOpen(connection: Connection): Promise<void> {
  if (connection.request.url === '/throw') throw new Error('handler failed on purpose');
  for await (const _ of connection);
}

/**
 * A node-http app whose middleware waits a random few ms before `open()`, so the handshakes of
 * concurrent clients overlap while the app routes them. `peak` is the most connections the
 * server held at once, as seen by each handler when it starts.
 */
async function startApp(options: AttachOptions, middlewareDelay = () => Math.random() * 20) {
  const refusals: RefusedUpgrade[] = [];
  const state = { peak: 0 };
  const server = http.createServer(async (req, res) => {
    await delay(middlewareDelay());
    const opened = open(req, (connection) => {
      state.peak = Math.max(state.peak, upsocket.connections.size);
      return holdOpen(connection);
    });
    if (!opened) res.end('plain');
  });
  const upsocket = attach(server, { heartbeat: false, onError: () => {}, onRefuse: (refusal) => void refusals.push(refusal), ...options });
  const started = await listen(server, upsocket);
  return { ...started, refusals, state, port: Number(new URL(started.httpUrl).port) };
}

const user = (name: string) => ({ 'x-user': name });
const keyFromUser = (request: IncomingMessage): string => String(request.headers['x-user']);

describe('maxConnections', () => {
  it('lets exactly the cap through 200 concurrent handshakes, 503 + Retry-After for the rest, and counts return to zero', async () => {
    const cap = 50;
    const { wsUrl, upsocket, state, refusals } = await startApp({ maxConnections: cap });
    for (let round = 0; round < 2; round++) {
      const attempts = await Promise.all(Array.from({ length: 200 }, () => attempt(`${wsUrl}/`)));
      const opened = attempts.filter((a) => a.status === 101);
      const refused = attempts.filter((a) => a.status !== 101);
      expect(opened).toHaveLength(cap);
      expect(refused).toHaveLength(200 - cap);
      for (const answer of refused) expect(answer).toEqual({ status: 503, retryAfter: '5' });
      expect(state.peak).toBeLessThanOrEqual(cap);
      await until(() => upsocket.connections.size === cap, 5000, 'every handler to start');
      // Clean closes from every client: the next round gets the whole cap again.
      for (const a of opened) (a as { ws: WebSocket }).ws.close(1000);
      await until(() => upsocket.connections.size === 0, 5000, 'every connection to close');
    }
    expect(refusals[0]).toMatchObject({ status: 503, reason: 'Server is at its connection limit (maxConnections)' });
  });
});

describe("maxConnections: the server's is a ceiling, a route's counts that route", () => {
  /** A node-http app whose route options come from `optionsFor(path)`, opened after `middlewareDelay()` ms. */
  async function routedApp(attachOptions: AttachOptions, optionsFor: (path: string) => OpenOptions, middlewareDelay = () => 0) {
    const server = http.createServer(async (req, res) => {
      await delay(middlewareDelay());
      if (!open(req, holdOpen, optionsFor(new URL(req.url ?? '/', 'http://x').pathname))) res.end('plain');
    });
    return listen(server, attach(server, { heartbeat: false, onRefuse: () => {}, ...attachOptions }));
  }

  it("a route's larger cap does not raise the server's: server 2, route 5, the third is refused 503", async () => {
    const { wsUrl } = await routedApp({ maxConnections: 2 }, () => ({ maxConnections: 5 }));
    await TestClient.connect(`${wsUrl}/chat`);
    await TestClient.connect(`${wsUrl}/chat`);
    const refused = await expectRefusal(`${wsUrl}/chat`);
    expect(refused).toMatchObject({ status: 503, body: 'Server is at its connection limit (maxConnections)\n' });
    expect(refused.headers['retry-after']).toBe('5');
  });

  it("a route's cap counts that route's connections only: cap 1 still admits one while another route holds connections", async () => {
    const { wsUrl } = await routedApp({ maxConnections: 10 }, (path) => (path === '/small' ? { maxConnections: 1 } : {}));
    await TestClient.connect(`${wsUrl}/big`);
    await TestClient.connect(`${wsUrl}/big`);
    await TestClient.connect(`${wsUrl}/small`);
    const refused = await expectRefusal(`${wsUrl}/small`);
    expect(refused).toMatchObject({ status: 503, body: 'This route is at its connection limit (maxConnections: 1)\n' });
    expect(refused.headers['retry-after']).toBe('5');
    await TestClient.connect(`${wsUrl}/big`);
  });

  it("a route's count is released on close, whatever closed it (clean, drop, handler error, shutdown of one)", async () => {
    const { wsUrl, upsocket } = await routedApp({}, () => ({ maxConnections: 1 }));
    const gone = () => until(() => upsocket.connections.size === 0, 5000, 'the close to be seen');
    const first = await TestClient.connect(`${wsUrl}/one`);
    expect((await expectRefusal(`${wsUrl}/one`)).status).toBe(503);
    first.ws.close(1000);
    await gone();
    const second = await TestClient.connect(`${wsUrl}/one`);
    second.ws.terminate();
    await gone();
    const third = await TestClient.connect(`${wsUrl}/throw`);
    expect((await third.closed).code).toBe(1011);
    await gone();
    await TestClient.connect(`${wsUrl}/one`);
    await TestClient.connect(`${wsUrl}/throw`);
  });

  it('without a framework, a route is its path (query left out), or its capGroup', async () => {
    const { wsUrl } = await routedApp({}, (path) => (path.startsWith('/grouped/') ? { maxConnections: 1, capGroup: 'grouped' } : { maxConnections: 1 }));
    await TestClient.connect(`${wsUrl}/rooms/1?user=a`);
    expect((await expectRefusal(`${wsUrl}/rooms/1?user=b`)).status).toBe(503);
    await TestClient.connect(`${wsUrl}/rooms/2`);
    await TestClient.connect(`${wsUrl}/grouped/1`);
    expect((await expectRefusal(`${wsUrl}/grouped/2`)).status).toBe(503);
  });

  it('exact under 100 concurrent handshakes: a route capped at 10 beside an uncapped one, under a server cap of 40', async () => {
    const { wsUrl } = await routedApp({ maxConnections: 40 }, (path) => (path === '/capped' ? { maxConnections: 10 } : {}), () => Math.random() * 20);
    const paths = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? '/capped' : '/free'));
    const attempts = await Promise.all(paths.map((path) => attempt(`${wsUrl}${path}`)));
    const openedOn = (path: string) => attempts.filter((a, i) => a.status === 101 && paths[i] === path).length;
    expect(openedOn('/capped')).toBe(10);
    expect(openedOn('/capped') + openedOn('/free')).toBe(40);
    expect(attempts.filter((a) => a.status === 503)).toHaveLength(60);
  });

  it('Express: a route is its matched pattern (/rooms/:room counts every room); websocket() is one route wherever it is mounted', async () => {
    const app = express();
    app.get('/rooms/:room', (req, res) => {
      if (!openExpress(req, holdOpen, { maxConnections: 1 })) res.end('plain');
    });
    const lobby = websocketExpress(holdOpen, { maxConnections: 1 });
    app.get('/lobby', lobby);
    app.get('/hall', lobby);
    app.get('/other', websocketExpress(holdOpen, { maxConnections: 1 }));
    const server = http.createServer(app);
    const { wsUrl } = await listen(server, attach(server, { heartbeat: false, onRefuse: () => {} }));
    await TestClient.connect(`${wsUrl}/rooms/1`);
    expect((await expectRefusal(`${wsUrl}/rooms/2`)).status).toBe(503);
    await TestClient.connect(`${wsUrl}/lobby`);
    expect((await expectRefusal(`${wsUrl}/hall`)).status).toBe(503);
    await TestClient.connect(`${wsUrl}/other`);
  });

  it('Koa with @koa/router: a route is its matched pattern, not counting other routes', async () => {
    const app = new Koa();
    const router = new Router();
    router.get('/rooms/:room', (ctx) => {
      if (!openKoa(ctx, holdOpen, { maxConnections: 1 })) ctx.body = 'plain';
    });
    router.get('/lobby', (ctx) => {
      if (!openKoa(ctx, holdOpen)) ctx.body = 'plain';
    });
    app.use(router.routes());
    const server = http.createServer(app.callback());
    const { wsUrl } = await listen(server, attach(server, { heartbeat: false, onRefuse: () => {} }));
    await TestClient.connect(`${wsUrl}/lobby`);
    await TestClient.connect(`${wsUrl}/rooms/1`);
    expect((await expectRefusal(`${wsUrl}/rooms/2`)).status).toBe(503);
  });
});

describe('connectionsPerClient', () => {
  it('refuses a client over its max with 429 + Retry-After, others still connect, and a close frees a place', async () => {
    const { wsUrl, refusals } = await startApp({ connectionsPerClient: { max: 2, key: keyFromUser } });
    const alice = [await TestClient.connect(wsUrl, undefined, { headers: user('alice') }), await TestClient.connect(wsUrl, undefined, { headers: user('alice') })];
    const refused = await expectRefusal(wsUrl, { headers: user('alice') });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toBe('Too many connections from this client (connectionsPerClient: 2)\n');
    expect(refusals).toEqual([expect.objectContaining({ status: 429, reason: 'Too many connections from this client (connectionsPerClient: 2)' })]);
    await TestClient.connect(wsUrl, undefined, { headers: user('bob') });
    alice[0]!.ws.close(1000);
    await alice[0]!.closed;
    await expect(attemptUntilOpen(wsUrl, user('alice'))).resolves.toBe(101);
  });

  it('200 concurrent handshakes of 4 clients: at most max each', async () => {
    const { wsUrl, upsocket } = await startApp({ connectionsPerClient: { max: 5, key: keyFromUser } });
    const names = ['a', 'b', 'c', 'd'];
    const attempts = await Promise.all(Array.from({ length: 200 }, (_, i) => attempt(wsUrl, user(names[i % 4]!))));
    const openedPer = names.map((name, n) => attempts.filter((a, i) => i % 4 === n && a.status === 101).length);
    expect(openedPer).toEqual([5, 5, 5, 5]);
    expect(attempts.filter((a) => a.status === 429)).toHaveLength(180);
    await until(() => upsocket.connections.size === 20, 5000, 'every handler to start');
  });

  it('keys by the remote address by default, and by the forwarded address with trustProxy', async () => {
    const direct = await startApp({ connectionsPerClient: { max: 1 } });
    await TestClient.connect(direct.wsUrl);
    // X-Forwarded-For is any client's say-so without trustProxy: still 127.0.0.1.
    expect((await expectRefusal(direct.wsUrl, { headers: { 'x-forwarded-for': '203.0.113.1' } })).status).toBe(429);

    const proxied = await startApp({ connectionsPerClient: { max: 1 }, trustProxy: true });
    await TestClient.connect(proxied.wsUrl, undefined, { headers: { 'x-forwarded-for': '203.0.113.1, 10.0.0.1' } });
    await TestClient.connect(proxied.wsUrl, undefined, { headers: { 'x-forwarded-for': '203.0.113.2' } });
    await TestClient.connect(proxied.wsUrl, undefined, { headers: { forwarded: 'for="[2001:db8::1]:4711";proto=https' } });
    expect((await expectRefusal(proxied.wsUrl, { headers: { 'x-forwarded-for': '203.0.113.1' } })).status).toBe(429);
    expect((await expectRefusal(proxied.wsUrl, { headers: { forwarded: 'for=2001:db8::1' } })).status).toBe(429);
  });
});

/** Retries while the server has not yet seen the previous close (the client sees it first). */
async function attemptUntilOpen(url: string, headers: Record<string, string>): Promise<number> {
  for (let i = 0; ; i++) {
    const result = await attempt(url, headers);
    if (result.status === 101 || i === 50) return result.status;
    await delay(10);
  }
}

describe('counts return to zero after every kind of close', () => {
  // With max 1 per client and 1 per server, a place that was not released refuses the next one.
  const caps: AttachOptions = { maxConnections: 1, connectionsPerClient: { max: 1, key: keyFromUser } };

  async function expectPlaceFree(app: Awaited<ReturnType<typeof startApp>>): Promise<void> {
    await until(() => app.upsocket.connections.size === 0, 5000, 'the connection to be forgotten');
    const again = await attempt(app.wsUrl, user('alice'));
    expect(again.status).toBe(101);
    (again as { ws: WebSocket }).ws.close(1000);
    await until(() => app.upsocket.connections.size === 0, 5000, 'the check connection to close');
  }

  it('clean close by the client', async () => {
    const app = await startApp(caps);
    const client = await TestClient.connect(app.wsUrl, undefined, { headers: user('alice') });
    client.ws.close(1000);
    await expectPlaceFree(app);
  });

  it('the handler throws (1011)', async () => {
    const app = await startApp(caps);
    const client = await TestClient.connect(`${app.wsUrl}/throw`, undefined, { headers: user('alice') });
    expect((await client.closed).code).toBe(1011);
    await expectPlaceFree(app);
  });

  it('the TCP connection drops (1006)', async () => {
    const app = await startApp(caps);
    const client = await TestClient.connect(app.wsUrl, undefined, { headers: user('alice') });
    client.ws.terminate();
    await expectPlaceFree(app);
  });

  it('the heartbeat drops a peer that never answers pings', async () => {
    const app = await startApp({ ...caps, heartbeat: 50 });
    const handshake =
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nx-user: alice\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const silent = await RawClient.open(app.port, '/', handshake);
    await silent.upgraded();
    await until(() => app.upsocket.connections.size === 1, 5000, 'the silent peer to be held');
    await until(() => silent.socket.destroyed || silent.socket.readableEnded, 5000, 'the heartbeat to drop the peer');
    await expectPlaceFree(app);
  });

  it('a refusal after the server-wide count passed (429) takes no place', async () => {
    const app = await startApp({ maxConnections: 2, connectionsPerClient: { max: 1, key: keyFromUser } });
    const first = await TestClient.connect(app.wsUrl, undefined, { headers: user('alice') });
    expect((await attempt(app.wsUrl, user('alice'))).status).toBe(429);
    expect(app.upsocket.connections.size).toBe(1);
    first.ws.close(1000);
    await expectPlaceFree(app);
  });

  it('the client leaves while the app routes its upgrade, before any 101', async () => {
    const app = await startApp(caps, () => 100);
    const leaving = new WebSocket(app.wsUrl, { headers: user('alice') });
    leaving.on('error', () => {});
    await delay(30);
    leaving.terminate();
    await delay(150);
    await expectPlaceFree(app);
  });

  it('shutdown closes and forgets every connection', async () => {
    const app = await startApp({ connectionsPerClient: { max: 3, key: keyFromUser } });
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(app.wsUrl, undefined, { headers: user('alice') })));
    await until(() => app.upsocket.connections.size === 3, 5000, 'every handler to start');
    await app.upsocket.close({ timeout: 1000 });
    expect(app.upsocket.connections.size).toBe(0);
    for (const client of clients) expect((await client.closed).code).toBe(1012);
  });
});

describe('handleUpgrade() with caps', () => {
  it('refuses on the raw socket with 503 and Retry-After', async () => {
    const server = http.createServer((_req, res) => res.end('plain'));
    const holders = new Set<ReturnType<typeof handleUpgrade>>();
    server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      holders.add(handleUpgrade(req, socket, head, holdOpen, { maxConnections: 1, heartbeat: false, onRefuse: () => {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(async () => {
      for (const holder of holders) await holder.close({ timeout: 500 });
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
    await TestClient.connect(url);
    const refused = await expectRefusal(url);
    // Without attach() there is no server-wide cap: handleUpgrade()'s own counts by path, like open()'s.
    expect(refused).toMatchObject({ status: 503, body: 'This route is at its connection limit (maxConnections: 1)\n' });
    expect(refused.headers['retry-after']).toBe('5');
    expect(holders.size).toBe(1);
  });
});

describe('cap options are checked', () => {
  const server = (): http.Server => http.createServer();
  it.each([
    [{ maxConnections: 0 }, 'maxConnections must be a positive integer, got 0'],
    [{ capGroup: 7 }, 'capGroup must be a string'],
    [{ connectionsPerClient: 3 }, 'connectionsPerClient must be an object { max, key? }, got number'],
    [{ connectionsPerClient: { max: 1.5 } }, 'connectionsPerClient.max must be a positive integer, got 1.5'],
    [{ connectionsPerClient: { max: 1, kye: () => '' } }, "unknown option 'kye' (did you mean 'key'?)"],
    [{ connectionsPerClient: { max: 1, key: 'ip' } }, 'connectionsPerClient.key must be a function (request) => string'],
  ])('attach(%j) throws UPSOCKET_INVALID_OPTION', (options, message) => {
    expect(() => attach(server(), options as never)).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining(message) }));
  });
});
