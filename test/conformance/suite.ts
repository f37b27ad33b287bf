import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect as connectTcp } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ClosedError, type UpsocketChannels } from '../../src/index.js';
import { deferred } from '../helpers/deferred.js';
import { echo, readAll } from '../helpers/handlers.js';
import { ask, connectHeaders } from '../helpers/http2-client.js';
import { delay } from '../helpers/server.js';
import type { AdapterFixture, AppSpec, RouteContext } from './contract.js';
import { interopSuite } from './interop-suite.js';
import { startWithClients } from './suite-clients.js';

/**
 * The behaviour every adapter must show, run unchanged against each one. Each adapter's test file
 * calls this with its fixture; tests are chosen by capability flags, never by adapter name.
 */
export function conformanceSuite(fixture: AdapterFixture): void {
  const start = (spec: AppSpec) => startWithClients(fixture, spec);
  // RFC 8441 streams: no TCP connection of the WebSocket's own to write raw bytes on, and clients
  // other than ws's framing (the interop suite's) speak only HTTP/1.1 upgrades.
  const overHttp2 = fixture.capabilities.http2 === true;

  describe(`conformance: ${fixture.label}`, () => {
    it('echoes text and binary messages', async () => {
      const { connect } = await start({ handler: echo });
      const client = await connect('/rooms/lobby');
      client.ws.send('hello');
      client.ws.send(Buffer.from([0, 1, 2, 255]));
      expect(await client.nextText()).toBe('hello');
      const binary = await client.next();
      expect(binary.isBinary).toBe(true);
      expect([...binary.data]).toEqual([0, 1, 2, 255]);
    });

    it('hands route params and middleware state to the handler', async () => {
      const seen = deferred<RouteContext & { url: string | undefined; httpVersion: string }>();
      const { connect } = await start({
        handler: (connection, context) => seen.resolve({ ...context, url: connection.request.url, httpVersion: connection.request.httpVersion }),
      });
      await connect('/rooms/kitchen%20sink?x=1', undefined, { headers: { 'x-user': 'alice' } });
      const httpVersion = overHttp2 ? '2.0' : '1.1';
      expect(await seen.promise).toEqual({ room: 'kitchen sink', user: 'alice', url: '/rooms/kitchen%20sink?x=1', httpVersion });
    });

    it("names the route by the framework's pattern on upsocket:open (upsocket/otel's http.route)", async () => {
      const routes: (string | undefined)[] = [];
      const onOpen = (message: unknown): void => void routes.push((message as UpsocketChannels['upsocket:open']).route);
      subscribe('upsocket:open', onOpen);
      try {
        const opened = deferred<void>();
        const { connect } = await start({ handler: () => opened.resolve() });
        await connect('/rooms/42');
        await opened.promise;
      } finally {
        unsubscribe('upsocket:open', onOpen);
      }
      expect(routes).toEqual([fixture.capabilities.routePattern]);
    });

    it('lets auth middleware refuse with 401 and its body before any 101', async () => {
      let handlerRan = false;
      const { refuse } = await start({ handler: () => void (handlerRan = true) });
      const answer = await refuse('/rooms/lobby', { headers: { 'x-auth': 'deny' } });
      expect(answer.status).toBe(401);
      expect(answer.body).toBe('denied by auth middleware');
      expect(handlerRan).toBe(false);
    });

    it("answers an unknown path with the framework's 404 over HTTP", async () => {
      const { refuse } = await start({ handler: echo });
      const answer = await refuse('/nowhere');
      expect(answer.status).toBe(404);
      if (fixture.capabilities.frameworkNotFoundPage) expect(answer.body.length).toBeGreaterThan(0);
    });

    it('serves a plain GET of the WebSocket route over HTTP', async () => {
      const { get } = await start({ handler: echo });
      const response = await get('/rooms/lobby');
      expect(response.status).toBe(200);
      expect(response.body).toBe('room lobby over HTTP');
    });

    it('closes with 1011 when the handler throws, reports the error, and keeps serving', async () => {
      const errors: unknown[] = [];
      const { connect } = await start({
        handler: async (connection, { room }) => {
          if (room === 'broken') throw new Error('secret detail');
          await echo(connection);
        },
        options: { onError: (error) => errors.push(error) },
      });
      const broken = await connect('/rooms/broken');
      const closed = await broken.closed;
      expect(closed.code).toBe(1011);
      expect(closed.reason).not.toContain('secret');
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toBe('secret detail');

      const healthy = await connect('/rooms/lobby');
      healthy.ws.send('still here');
      expect(await healthy.nextText()).toBe('still here');
    });

    it('closes with 1000 after every message when the handler returns', async () => {
      const { connect } = await start({
        handler: (connection) => {
          for (let i = 0; i < 100; i++) connection.sendText(`message ${i}`);
        },
      });
      const client = await connect('/rooms/lobby');
      for (let i = 0; i < 100; i++) expect(await client.nextText()).toBe(`message ${i}`);
      expect((await client.closed).code).toBe(1000);
    });

    it('echoes messages larger than a read, a frame length boundary and a flow-control window, on two WebSockets at once', async () => {
      const { connect } = await start({ handler: echo });
      // Over HTTP/2 both streams share the session's window (64 KiB at first), so each waits on
      // the other's WINDOW_UPDATEs; over HTTP/1.1 they are two TCP connections.
      const clients = [await connect('/rooms/a'), await connect('/rooms/b')];
      const sizes = [200 * 1024, 70_000, 900 * 1024];
      for (const [i, client] of clients.entries()) for (const size of sizes) client.ws.send(String(i).repeat(size));
      for (const [i, client] of clients.entries()) {
        for (const size of sizes) expect(await client.nextText(15_000)).toBe(String(i).repeat(size));
      }
    });

    it('keeps messages the client sends before the handler first reads', async () => {
      const seen = deferred<string[]>();
      const { connect } = await start({
        handler: async (connection) => {
          await delay(100);
          const texts: string[] = [];
          for (let i = 0; i < 20; i++) texts.push((await connection.read())?.text() ?? 'END');
          seen.resolve(texts);
        },
      });
      const client = await connect('/rooms/lobby');
      for (let i = 0; i < 20; i++) client.ws.send(`early ${i}`);
      expect(await seen.promise).toEqual(Array.from({ length: 20 }, (_, i) => `early ${i}`));
    });

    for (const code of [1000, 1001]) {
      it(`read() returns null after the client closes with ${code}`, async () => {
        const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
        const { connect } = await start({ handler: async (connection) => outcome.resolve(await readAll(connection)) });
        const client = await connect('/rooms/lobby');
        client.ws.send('one');
        client.ws.send('two');
        client.ws.close(code);
        expect(await outcome.promise).toEqual({ messages: ['one', 'two'], end: null });
      });
    }

    it('read() rejects with ClosedError 4000 when the client closes with 4000', async () => {
      const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
      const { connect } = await start({ handler: async (connection) => outcome.resolve(await readAll(connection)) });
      const client = await connect('/rooms/lobby');
      client.ws.send('before');
      client.ws.close(4000, 'app says bye');
      const { messages, end } = await outcome.promise;
      expect(messages).toEqual(['before']);
      expect(end).toBeInstanceOf(ClosedError);
      expect(end).toMatchObject({ code: 'UPSOCKET_CLOSED', closeCode: 4000, reason: 'app says bye' });
    });

    it('read() rejects with ClosedError 1006 when the TCP connection drops', async () => {
      const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
      const { connect } = await start({ handler: async (connection) => outcome.resolve(await readAll(connection)) });
      const client = await connect('/rooms/lobby');
      client.ws.terminate();
      const { end } = await outcome.promise;
      expect(end).toBeInstanceOf(ClosedError);
      expect((end as ClosedError).closeCode).toBe(1006);
      expect((end as ClosedError).message).toBe('Connection closed abnormally (1006)');
    });

    it('ends for await on a clean close', async () => {
      const seen = deferred<string[]>();
      const { connect } = await start({
        handler: async (connection) => {
          const texts: string[] = [];
          for await (const message of connection) texts.push(message.text());
          seen.resolve(texts);
        },
      });
      const client = await connect('/rooms/lobby');
      client.ws.send('a');
      client.ws.send('b');
      client.ws.close(1000);
      expect(await seen.promise).toEqual(['a', 'b']);
    });

    it('shuts down gracefully: open WebSockets get 1012 and read() null, new ones 503 with Retry-After', async () => {
      const ended = deferred<unknown>();
      const { connect, refuse, upsocket } = await start({ handler: (connection) => readAll(connection).then(({ end }) => ended.resolve(end)) });
      const client = await connect('/rooms/lobby');
      const closing = upsocket.close({ timeout: 5000 });
      expect(await client.closed).toEqual({ code: 1012, reason: '' });
      expect(await ended.promise).toBeNull();
      const refused = await refuse('/rooms/lobby');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      await closing;
    });

    it("refuses past the route's maxConnections with 503 and Retry-After, and opens again once one closes", async () => {
      const { connect, refuse } = await start({ handler: echo, options: { maxConnections: 1 } });
      const first = await connect('/rooms/lobby');
      const refused = await refuse('/rooms/lobby');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.body).toBe('This route is at its connection limit (maxConnections: 1)\n');
      first.ws.close(1000);
      await first.closed;
      // The count drops when the server's side has closed too, a moment after the client's close event.
      await expect.poll(async () => (await connect('/rooms/lobby').then(() => 'open', (error: Error) => error.message)), { timeout: 5000 }).toBe('open');
    });

    it('refuses a cross-origin upgrade with 403 and accepts same-origin and listed origins', async () => {
      const { wsUrl, connect, refuse } = await start({ handler: echo, options: { origins: ['https://allowed.example'] } });
      const refused = await refuse('/rooms/lobby', { origin: 'https://evil.example' });
      expect(refused.status).toBe(403);
      expect(refused.body).toBe('Origin https://evil.example is not allowed\n');
      const host = new URL(wsUrl).host;
      await connect('/rooms/lobby', undefined, { origin: `http://${host}` });
      await connect('/rooms/lobby', undefined, { origin: 'https://allowed.example' });
    });

    it('closes with 1009 when a message exceeds maxMessageSize', async () => {
      const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
      const { connect } = await start({
        handler: async (connection) => outcome.resolve(await readAll(connection)),
        options: { maxMessageSize: 1024 },
      });
      const client = await connect('/rooms/lobby');
      client.ws.send('x'.repeat(1024));
      client.ws.send('x'.repeat(1025));
      expect((await client.closed).code).toBe(1009);
      const { messages, end } = await outcome.promise;
      expect(messages).toEqual(['x'.repeat(1024)]);
      expect((end as ClosedError).closeCode).toBe(1009);
    });

    it("negotiates the client's first offered subprotocol in the allow-list", async () => {
      const seen = deferred<string>();
      const { connect, refuse } = await start({
        handler: (connection) => seen.resolve(connection.protocol),
        options: { protocols: ['chat.v2', 'chat.v1'] },
      });
      const client = await connect('/rooms/lobby', ['legacy', 'chat.v1', 'chat.v2']);
      expect(client.ws.protocol).toBe('chat.v1');
      expect(await seen.promise).toBe('chat.v1');
      const refused = await refuse('/rooms/lobby', { protocols: ['legacy'] });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('chat.v2, chat.v1');
    });

    if (!overHttp2) {
      it('answers an invalid handshake with 400 and a one-line reason', async () => {
        const { httpUrl } = await start({ handler: echo });
        const { port } = new URL(httpUrl);
        const socket = connectTcp(Number(port), '127.0.0.1');
        socket.write(`GET /rooms/lobby HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        let answer = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
        await once(socket, 'close');
        expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
        expect(answer).toMatch(/\r\nContent-Length: 44\r\n/i);
        expect(answer.endsWith('\r\n\r\nMissing or invalid Sec-WebSocket-Key header\n')).toBe(true);
      });
    } else {
      it('answers an invalid handshake with 400 and a one-line reason', async () => {
        const { session, httpUrl } = await start({ handler: echo });
        const { protocol, host } = new URL(httpUrl);
        const extendedConnect = connectHeaders('/rooms/lobby', { ':scheme': protocol.slice(0, -1), ':authority': host, 'sec-websocket-version': '8' });
        const answer = await ask(await session(), extendedConnect);
        expect(answer.status).toBe(400);
        expect(answer.body).toBe('Unsupported WebSocket version (supported: 13)\n');
      });
    }

    if (!overHttp2) interopSuite(start);
  });
}
