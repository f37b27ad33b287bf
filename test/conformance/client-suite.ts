import { describe, expect, it } from 'vitest';
import { ClosedError, connect, HandshakeError, type ConnectOptions } from '../../src/index.js';
import { connectClient, handshakeFailure } from '../helpers/client.js';
import { deferred } from '../helpers/deferred.js';
import { echo, readAll } from '../helpers/handlers.js';
import { delay } from '../helpers/server.js';
import type { AdapterFixture, AppSpec, RouteContext } from './contract.js';

/**
 * The conformance suite's behaviour seen from upsocket's own client: each adapter's app, driven by
 * `connect()` instead of a ws client, so both ends are upsocket `Connection`s. Tests are chosen by
 * capability flags only, like suite.ts.
 */
export function clientConformanceSuite(fixture: AdapterFixture): void {
  // How the client reaches the server beyond its URL (an HTTP/2 fixture: a session), per test.
  let reach: (() => ConnectOptions) | undefined;
  const start = async (spec: AppSpec) => {
    const started = await fixture.start(spec);
    reach = started.connectOptions;
    return started;
  };
  const via = (options?: ConnectOptions): ConnectOptions | undefined => (reach === undefined ? options : { ...reach(), ...options });

  describe(`client conformance: ${fixture.label}`, () => {
    it('echoes text and binary messages', async () => {
      const { wsUrl } = await start({ handler: echo });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
      client.sendText('hello');
      client.sendBinary(new Uint8Array([0, 1, 2, 255]));
      const text = await client.read();
      expect(text?.type).toBe('text');
      expect(text?.text()).toBe('hello');
      const binary = await client.read();
      expect(binary?.type).toBe('binary');
      expect([...(binary?.data ?? [])]).toEqual([0, 1, 2, 255]);
      expect(client.request.statusCode).toBe(fixture.capabilities.http2 === true ? 200 : 101);
    });

    it('sends its headers through the middleware and route to the handler', async () => {
      const seen = deferred<RouteContext & { url: string | undefined }>();
      const { wsUrl } = await start({ handler: (connection, context) => seen.resolve({ ...context, url: connection.request.url }) });
      await connectClient(`${wsUrl}/rooms/kitchen%20sink?x=1`, via({ headers: { 'x-user': 'alice' } }));
      expect(await seen.promise).toEqual({ room: 'kitchen sink', user: 'alice', url: '/rooms/kitchen%20sink?x=1' });
    });

    it("rejects with HandshakeError 401 and the auth middleware's body", async () => {
      let handlerRan = false;
      const { wsUrl } = await start({ handler: () => void (handlerRan = true) });
      const error = await handshakeFailure(connect(`${wsUrl}/rooms/lobby`, via({ headers: { 'x-auth': 'deny' } })));
      expect(error).toMatchObject({ code: 'UPSOCKET_HANDSHAKE_FAILED', status: 401, body: 'denied by auth middleware' });
      expect(error.headers['content-type']).toMatch(/^text\/plain/);
      expect(error.message).toContain('401 Unauthorized: denied by auth middleware');
      expect(handlerRan).toBe(false);
    });

    it('rejects with HandshakeError 404 for an unknown path', async () => {
      const { wsUrl } = await start({ handler: echo });
      const error = await handshakeFailure(connect(`${wsUrl}/nowhere`, via()));
      expect(error.status).toBe(404);
      if (fixture.capabilities.frameworkNotFoundPage) expect(error.body.length).toBeGreaterThan(0);
    });

    it('read() rejects with ClosedError 1011 when the server handler throws', async () => {
      const { wsUrl } = await start({
        handler: () => {
          throw new Error('secret detail');
        },
        options: { onError: () => {} },
      });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
      const error = await client.read().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ClosedError);
      expect(error).toMatchObject({ code: 'UPSOCKET_CLOSED', closeCode: 1011 });
      expect((error as ClosedError).reason).not.toContain('secret');
      expect(await client.closed).toEqual({ code: 1011, reason: '' });
    });

    it('reads every message, then null, when the server handler returns', async () => {
      const { wsUrl } = await start({
        handler: (connection) => {
          for (let i = 0; i < 100; i++) connection.sendText(`message ${i}`);
        },
      });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
      const { messages, end } = await readAll(client);
      expect(messages).toEqual(Array.from({ length: 100 }, (_, i) => `message ${i}`));
      expect(end).toBeNull();
      expect(await client.closed).toEqual({ code: 1000, reason: '' });
    });

    it('keeps messages the client sends before the server handler first reads', async () => {
      const seen = deferred<string[]>();
      const { wsUrl } = await start({
        handler: async (connection) => {
          await delay(100);
          seen.resolve((await readAll(connection)).messages);
        },
      });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
      for (let i = 0; i < 20; i++) client.sendText(`early ${i}`);
      await client.close();
      expect(await seen.promise).toEqual(Array.from({ length: 20 }, (_, i) => `early ${i}`));
    });

    for (const code of [1000, 1001]) {
      it(`close(${code}) ends the server's read() with null and resolves once closed`, async () => {
        const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
        const { wsUrl } = await start({ handler: async (connection) => outcome.resolve(await readAll(connection)) });
        const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
        client.sendText('one');
        client.sendText('two');
        await client.close(code);
        expect(client.state).toBe('closed');
        expect((await client.closed).code).toBe(code);
        expect(await outcome.promise).toEqual({ messages: ['one', 'two'], end: null });
        expect(() => client.sendText('late')).toThrow(ClosedError);
      });
    }

    it('close(4000) reaches the server as ClosedError 4000 with the reason', async () => {
      const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
      const { wsUrl } = await start({ handler: async (connection) => outcome.resolve(await readAll(connection)) });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
      client.sendText('before');
      await client.close(4000, 'app says bye');
      const { messages, end } = await outcome.promise;
      expect(messages).toEqual(['before']);
      expect(end).toMatchObject({ code: 'UPSOCKET_CLOSED', closeCode: 4000, reason: 'app says bye' });
    });

    it("read() rejects with the server's application close code and reason", async () => {
      const { wsUrl } = await start({ handler: (connection) => connection.close(4001, 'kicked') });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
      const { end } = await readAll(client);
      expect(end).toBeInstanceOf(ClosedError);
      expect(end).toMatchObject({ closeCode: 4001, reason: 'kicked' });
    });

    it("closes both ends with 1009 when the client exceeds the server's maxMessageSize", async () => {
      const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
      const { wsUrl } = await start({
        handler: async (connection) => outcome.resolve(await readAll(connection)),
        options: { maxMessageSize: 1024 },
      });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
      client.sendText('x'.repeat(1024));
      client.sendText('x'.repeat(1025));
      expect(await client.read().catch((error: unknown) => error)).toMatchObject({ closeCode: 1009 });
      const { messages, end } = await outcome.promise;
      expect(messages).toEqual(['x'.repeat(1024)]);
      expect(end).toMatchObject({ closeCode: 1009 });
    });

    it("closes both ends with 1009 when the server exceeds the client's maxMessageSize", async () => {
      const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
      const { wsUrl } = await start({
        handler: async (connection) => {
          connection.sendText('y'.repeat(1024));
          connection.sendText('y'.repeat(1025));
          outcome.resolve(await readAll(connection));
        },
      });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via({ maxMessageSize: 1024 }));
      const { messages, end } = await readAll(client);
      expect(messages).toEqual(['y'.repeat(1024)]);
      expect(end).toMatchObject({ closeCode: 1009 });
      expect((await outcome.promise).end).toMatchObject({ closeCode: 1009 });
    });

    it("offers subprotocols and reports the server's choice; a refusal carries the server's list", async () => {
      const seen = deferred<string>();
      const { wsUrl } = await start({
        handler: (connection) => seen.resolve(connection.protocol),
        options: { protocols: ['chat.v2', 'chat.v1'] },
      });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via({ protocols: ['legacy', 'chat.v1', 'chat.v2'] }));
      expect(client.protocol).toBe('chat.v1');
      expect(await seen.promise).toBe('chat.v1');
      const refused = await handshakeFailure(connect(`${wsUrl}/rooms/lobby`, via({ protocols: ['legacy'] })));
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('chat.v2, chat.v1');
    });

    it('sends an Origin header from headers; a foreign one is refused with 403', async () => {
      const { wsUrl } = await start({ handler: echo, options: { origins: ['https://allowed.example'] } });
      const refused = await handshakeFailure(connect(`${wsUrl}/rooms/lobby`, via({ headers: { origin: 'https://evil.example' } })));
      expect(refused).toMatchObject({ status: 403, body: 'Origin https://evil.example is not allowed\n' });
      await connectClient(`${wsUrl}/rooms/lobby`, via({ headers: { origin: 'https://allowed.example' } }));
    });

    it('negotiates compression when both ends enable it', async () => {
      const { wsUrl } = await start({ handler: echo, options: { compression: true } });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via({ compression: true }));
      expect(client.request.headers['sec-websocket-extensions']).toContain('permessage-deflate');
      const text = 'compressible '.repeat(1000);
      client.sendText(text);
      expect((await client.read())?.text()).toBe(text);
    });

    it('ping() resolves on the pong, in both directions', async () => {
      const serverPinged = deferred<boolean>();
      const { wsUrl } = await start({
        handler: async (connection) => {
          await connection.ping('from server');
          serverPinged.resolve(true);
          await echo(connection);
        },
      });
      const client = await connectClient(`${wsUrl}/rooms/lobby`, via());
      await client.ping('from client');
      expect(await serverPinged.promise).toBe(true);
    });

    it('connect(url, handler) runs the handler and resolves with the close once it returned', async () => {
      const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
      const { wsUrl } = await start({ handler: async (connection) => outcome.resolve(await readAll(connection)) });
      const info = await connect(
        `${wsUrl}/rooms/lobby`,
        (connection) => {
          connection.sendText('from the handler');
        },
        via(),
      );
      expect(info).toEqual({ code: 1000, reason: '' });
      expect(await outcome.promise).toEqual({ messages: ['from the handler'], end: null });
    });

    it("connect(url, handler) closes with 1011 and rejects with the handler's error", async () => {
      const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
      const { wsUrl } = await start({ handler: async (connection) => outcome.resolve(await readAll(connection)) });
      const failure = new Error('client handler failed');
      await expect(
        connect(
          `${wsUrl}/rooms/lobby`,
          async () => {
            throw failure;
          },
          via(),
        ),
      ).rejects.toBe(failure);
      expect((await outcome.promise).end).toMatchObject({ closeCode: 1011 });
    });

    it('connect(url, handler) rejects with HandshakeError without running the handler', async () => {
      const { wsUrl } = await start({ handler: echo });
      let handlerRan = false;
      const attempt = connect(`${wsUrl}/rooms/lobby`, () => void (handlerRan = true), via({ headers: { 'x-auth': 'deny' } }));
      await expect(attempt).rejects.toBeInstanceOf(HandshakeError);
      await expect(attempt).rejects.toMatchObject({ status: 401 });
      expect(handlerRan).toBe(false);
    });
  });
}
