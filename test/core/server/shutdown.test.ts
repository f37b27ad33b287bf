import http from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { attach, open, type Handler, type Message } from '../../../src/adapters/node-http/index.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { deferred } from '../../helpers/deferred.js';
import { delay, listen, until } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

/** A server whose `/ws` route runs `handler`; `/slow-ws` calls open() only once `release` resolves. */
async function start(handler: Handler, release?: Promise<void>) {
  const server = http.createServer((req, res) => {
    if (req.url === '/ws' && open(req, handler)) return;
    if (req.url === '/slow-ws' && release !== undefined) {
      void release.then(() => open(req, handler));
      return;
    }
    res.end('plain HTTP still served');
  });
  return listen(server, attach(server, { heartbeat: false }));
}

/** Rejects if `promise` does not settle within `ms`. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, delay(ms).then(() => Promise.reject(new Error(`${what} did not happen within ${ms} ms`)))]);
}

/**
 * A client that does the opening handshake by hand and then ignores everything, so it never
 * answers the close handshake. `received()` is every byte the server sent, as latin1.
 */
async function rawStraggler(wsUrl: string, path: string): Promise<{ socket: Socket; received: () => string; gone: Promise<void> }> {
  const { port } = new URL(wsUrl);
  const socket = connectTcp(Number(port), '127.0.0.1');
  onCleanup(() => socket.destroy());
  let received = '';
  const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) resolve();
    });
    socket.once('error', reject);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
  expect(received).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
  return { socket, received: () => received, gone };
}

/** The unmasked close frame a server sends with code 1012 and no reason. */
const CLOSE_FRAME_1012 = '\x88\x02\x03\xf4';

describe('UpsocketServer.close()', () => {
  it('closes 50 connections with 1012 (the default code) and the reason, after which server.close() calls back', async () => {
    let handlersDone = 0;
    const { server, upsocket, wsUrl } = await start(async (connection) => {
      for await (const message of connection) connection.sendText(message.text());
      handlersDone++;
    });
    const clients = await Promise.all(Array.from({ length: 50 }, () => TestClient.connect(`${wsUrl}/ws`)));
    clients.forEach((client, i) => client.ws.send(`m${i}`));
    expect(await Promise.all(clients.map((client) => client.nextText()))).toEqual(clients.map((_, i) => `m${i}`));
    expect(upsocket.connections.size).toBe(50);

    // With the WebSockets open, the HTTP server cannot finish closing on its own.
    let serverClosed = false;
    const serverClose = new Promise<void>((resolve) => server.close(() => ((serverClosed = true), resolve())));
    await delay(300);
    expect(serverClosed).toBe(false);

    await upsocket.close({ reason: 'maintenance' });
    expect(upsocket.connections.size).toBe(0);
    expect(handlersDone).toBe(50);
    const closes = await Promise.all(clients.map((client) => client.closed));
    expect(closes).toEqual(clients.map(() => ({ code: 1012, reason: 'maintenance' })));
    await within(3000, serverClose, 'server.close() callback');
  });

  it('sends the code given to close()', async () => {
    const { upsocket, wsUrl } = await start(async (connection) => {
      for await (const message of connection) connection.sendText(message.text());
    });
    const client = await TestClient.connect(`${wsUrl}/ws`);
    await upsocket.close({ code: 1001, reason: 'going away' });
    expect(await client.closed).toEqual({ code: 1001, reason: 'going away' });
  });

  it('waits for a handler that is mid-await to finish its work after the close frame', async () => {
    const events: string[] = [];
    const saving = deferred();
    const { upsocket, wsUrl } = await start(async (connection) => {
      for await (const message of connection) {
        events.push(`saving ${message.text()}`);
        await saving.promise;
        events.push(`saved ${message.text()}`);
      }
      events.push('handler returned');
    });
    const client = await TestClient.connect(`${wsUrl}/ws`);
    client.ws.send('order 1');
    await until(() => events.includes('saving order 1'), 2000, 'the handler to start saving');

    const closing = upsocket.close().then(() => events.push('close() resolved'));
    const closed = await client.closed;
    events.push(`client saw ${closed.code}`);
    await delay(100);
    expect(events).toEqual(['saving order 1', 'client saw 1012']);
    expect(upsocket.connections.size).toBe(0);

    saving.resolve();
    await closing;
    expect(events).toEqual(['saving order 1', 'client saw 1012', 'saved order 1', 'handler returned', 'close() resolved']);
  });

  it('drops a client that never answers the close handshake once the timeout passes', async () => {
    const reads: (Message | null)[] = [];
    const closeInfos: { code: number; reason: string }[] = [];
    const { upsocket, wsUrl } = await start(async (connection) => {
      reads.push(await connection.read());
      closeInfos.push(await connection.closed);
    });
    const straggler = await rawStraggler(wsUrl, '/ws');
    const polite = await TestClient.connect(`${wsUrl}/ws`);
    expect(upsocket.connections.size).toBe(2);

    const started = Date.now();
    await upsocket.close({ timeout: 300 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000);
    expect(upsocket.connections.size).toBe(0);
    // Both handlers' read() settled with null; the straggler was then dropped without a handshake.
    expect(reads).toEqual([null, null]);
    expect(closeInfos).toContainEqual({ code: 1006, reason: '' });
    expect(await polite.closed).toEqual({ code: 1012, reason: '' });
    expect(straggler.received()).toContain(CLOSE_FRAME_1012);
    await within(1000, straggler.gone, 'the straggler socket to close');
  });

  it('returns after the timeout even when a handler ignores the close and awaits forever', async () => {
    let handlerStarted = false;
    const { upsocket, wsUrl } = await start(async () => {
      handlerStarted = true;
      await new Promise<never>(() => {});
    });
    const client = await TestClient.connect(`${wsUrl}/ws`);
    await until(() => handlerStarted, 2000, 'the handler to start');
    const started = Date.now();
    await within(2000, upsocket.close({ timeout: 300 }), 'close({ timeout: 300 })');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await client.closed).toEqual({ code: 1012, reason: '' });
    expect(upsocket.connections.size).toBe(0);
  });

  it('refuses new upgrades with a one-line 503 during and after close(), before the app sees them', async () => {
    const { upsocket, wsUrl, httpUrl, server } = await start(async (connection) => void (await connection.read()));
    await rawStraggler(wsUrl, '/ws');
    const routed: string[] = [];
    server.prependListener('request', (req: http.IncomingMessage) => routed.push(req.url ?? ''));
    const closing = upsocket.close({ timeout: 300 });
    expect(upsocket.closing).toBe(true);

    const during = await expectRefusal(`${wsUrl}/ws`);
    expect(during.status).toBe(503);
    expect(during.body).toBe('Server is shutting down\n');
    expect(during.headers['content-length']).toBe('24');
    expect(during.headers.connection).toBe('close');

    await closing;
    const after = await expectRefusal(`${wsUrl}/ws`);
    expect(after.status).toBe(503);
    expect(after.body).toBe('Server is shutting down\n');
    // Any path: the refusal comes before routing, so the app's auth and 404 never run.
    expect((await expectRefusal(`${wsUrl}/nowhere`)).status).toBe(503);
    expect(routed).toEqual([]);
    expect(upsocket.connections.size).toBe(0);

    const response = await fetch(`${httpUrl}/`);
    expect(await response.text()).toBe('plain HTTP still served');
  });

  it('answers 503 to an upgrade whose route calls open() only after close() began', async () => {
    const release = deferred();
    let handlerRan = false;
    const { upsocket, wsUrl, server } = await start(() => void (handlerRan = true), release.promise);
    let routed = false;
    server.prependListener('request', () => (routed = true));
    const refusal = expectRefusal(`${wsUrl}/slow-ws`);
    await until(() => routed, 2000, 'the upgrade to reach the route');
    await upsocket.close();
    release.resolve();
    const answer = await refusal;
    expect(answer.status).toBe(503);
    expect(answer.body).toBe('Server is shutting down\n');
    expect(handlerRan).toBe(false);
  });
});
