// Koa on node:http2's compatibility layer (issue 25): `http2.createSecureServer({ allowHTTP1: true },
// app.callback())` with upsocket's Koa adapter. A WebSocket over HTTP/2 (an extended CONNECT stream)
// runs Koa's middleware and @koa/router's route like an HTTP/1.1 upgrade does, on the same port.
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import Router, { type RouterContext } from '@koa/router';
import Koa from 'koa';
import Koa2 from 'koa2';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attach, websocket, type Connection } from '../../../src/adapters/koa/index.js';
import { selfSignedCertificate } from '../../helpers/certificate.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { encodeFrame } from '../../helpers/raw-client.js';
import { describeNeeding, openssl } from '../../helpers/external-programs.js';

type KoaConstructor = typeof Koa;

/** What one Koa app saw: each WebSocket's request HTTP version and route params. */
interface Seen {
  httpVersion: string;
  room: string | undefined;
  user: unknown;
}

async function koaOverHttp2(Koa: KoaConstructor) {
  const { key, cert } = await selfSignedCertificate();
  const seen: Seen[] = [];
  const app = new Koa();
  // What Koa would report (its default prints to stderr): a response written over upsocket's, say.
  const appErrors: unknown[] = [];
  app.on('error', (error) => appErrors.push(error));
  app.use(async (ctx, next) => {
    if (ctx.get('authorization') === '') ctx.throw(401, 'log in first');
    ctx.state.user = ctx.get('authorization').slice('Bearer '.length);
    await next();
  });
  const router = new Router();
  router.get(
    '/rooms/:room',
    websocket(async (connection: Connection, ctx: RouterContext) => {
      seen.push({ httpVersion: ctx.req.httpVersion, room: ctx.params.room, user: ctx.state.user });
      for await (const message of connection) connection.sendText(`${ctx.params.room}: ${message.text()}`);
    }),
    (ctx) => {
      ctx.body = `room ${ctx.params.room} over HTTP/${ctx.req.httpVersion}`;
    },
  );
  app.use(router.routes());
  const server = http2.createSecureServer({ key, cert, allowHTTP1: true, settings: { enableConnectProtocol: true } }, app.callback());
  const upsocket = attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    await upsocket.close({ timeout: 500 });
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const origin = `https://127.0.0.1:${port}`;
  const session = http2.connect(origin, { ca: cert });
  session.on('error', () => undefined);
  onCleanup(() => session.destroy());
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  return { origin, cert, session, seen, appErrors };
}

/** An extended CONNECT for a WebSocket on `path`: the response headers and the stream. */
async function connectStream(session: ClientHttp2Session, origin: string, path: string, headers: Record<string, string> = {}) {
  const stream = session.request(
    { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'https', ':path': path, ':authority': new URL(origin).host, 'sec-websocket-version': '13', ...headers },
    { endStream: false },
  );
  stream.on('error', () => undefined);
  const response = await new Promise<IncomingHttpHeaders>((resolve, reject) => stream.once('response', resolve).once('close', () => reject(new Error('stream closed without a response'))));
  return { response, stream };
}

/** Short text messages over a WebSocket carried by an HTTP/2 stream: masked frames out, the server's unmasked ones in. */
function textOver(stream: http2.ClientHttp2Stream) {
  let received = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  return {
    send: (text: string) => stream.write(encodeFrame(0x1, Buffer.from(text))),
    /** The next frame's payload as text (one under 126 bytes: a two-byte header). */
    next: async () => {
      while (received.length < 2 || received.length < 2 + (received[1]! & 0x7f)) await new Promise((resolve) => stream.once('data', resolve));
      const length = received[1]! & 0x7f;
      const text = received.subarray(2, 2 + length).toString();
      received = received.subarray(2 + length);
      return text;
    },
  };
}

describeNeeding('Koa on http2.createSecureServer({ allowHTTP1: true })', { needs: [openssl] }, () => {
  describe.each([
    ['koa 3', Koa],
    ['koa 2', Koa2],
  ])('%s', (_label, Koa: KoaConstructor) => {
    it('runs the middleware and the @koa/router route for a WebSocket over HTTP/2, and echoes', async () => {
      const { origin, session, seen } = await koaOverHttp2(Koa);
      const { response, stream } = await connectStream(session, origin, '/rooms/lobby', { authorization: 'Bearer alice' });
      expect(response[':status']).toBe(200);
      const socket = textOver(stream);
      socket.send('hello');
      expect(await socket.next()).toBe('lobby: hello');
      expect(seen).toEqual([{ httpVersion: '2.0', room: 'lobby', user: 'alice' }]);
    });

    it("answers ctx.throw(401) before the route as :status 401 on the stream, and the session goes on", async () => {
      const { origin, session, seen } = await koaOverHttp2(Koa);
      const { response, stream } = await connectStream(session, origin, '/rooms/lobby');
      expect(response[':status']).toBe(401);
      let body = '';
      for await (const chunk of stream) body += String(chunk);
      expect(body).toBe('log in first');
      expect(seen).toEqual([]);
      // The same session opens the next one.
      const next = await connectStream(session, origin, '/rooms/lobby', { authorization: 'Bearer bob' });
      expect(next.response[':status']).toBe(200);
    });

    it("answers upsocket's own refusal (403 for another origin) on the stream, and Koa writes nothing after it", async () => {
      const { origin, session, seen, appErrors } = await koaOverHttp2(Koa);
      const errors: unknown[] = [];
      session.on('error', (error) => errors.push(error));
      const { response, stream } = await connectStream(session, origin, '/rooms/lobby', { authorization: 'Bearer eve', origin: 'https://evil.example' });
      expect(response[':status']).toBe(403);
      let body = '';
      for await (const chunk of stream) body += String(chunk);
      expect(body).toBe('Origin https://evil.example is not allowed\n');
      expect(seen).toEqual([]);
      // No second response on the stream (Koa's respond() would throw ERR_HTTP2_HEADERS_SENT), and the session goes on.
      const next = await connectStream(session, origin, '/rooms/lobby', { authorization: 'Bearer bob', origin });
      expect(next.response[':status']).toBe(200);
      expect(errors).toEqual([]);
      expect(appErrors).toEqual([]);
    });

    it('serves the page over HTTP/2 and an HTTP/1.1 upgrade through the same Koa app, on the same port', async () => {
      const { origin, cert, session, seen } = await koaOverHttp2(Koa);
      const page = session.request({ ':path': '/rooms/lobby', authorization: 'Bearer carol' });
      let body = '';
      for await (const chunk of page) body += String(chunk);
      expect(body).toBe('room lobby over HTTP/2.0');

      const client = new WebSocket(`${origin.replace('https', 'wss')}/rooms/attic`, { ca: cert, headers: { authorization: 'Bearer dave' } });
      onCleanup(() => client.terminate());
      await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
      client.send('hi');
      expect(String(await new Promise((resolve) => client.once('message', resolve)))).toBe('attic: hi');
      expect(seen).toEqual([{ httpVersion: '1.1', room: 'attic', user: 'dave' }]);
    });
  });
});
