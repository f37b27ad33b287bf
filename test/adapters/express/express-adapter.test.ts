import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ErrorRequestHandler, Request } from 'express';
import express4 from 'express4';
import { describe, expect, it } from 'vitest';
import { attach, open, UpsocketError, websocket } from '../../../src/adapters/express/index.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { deferred } from '../../helpers/deferred.js';
import { echo } from '../../helpers/handlers.js';
import { listen } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

type Express = typeof express;

async function serve(app: ReturnType<Express>) {
  const server = http.createServer(app);
  return listen(server, attach(server));
}

/** Answers every error with 503 and a page of its own, naming the error code when there is one. */
const customErrorPage: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const code = error instanceof UpsocketError ? ` (${error.code})` : '';
  res.status(503).type('text/plain').send(`custom error page${code}`);
};

describe.each([
  ['express 5', express],
  ['express 4', express4],
])('%s', (_label, express: Express) => {
  it('answers a WebSocket with the 401 and body of app-level auth middleware, never a 101 (express-ws #47)', async () => {
    let handlerRan = false;
    const app = express();
    app.use((req, res, next) => {
      if (req.headers.authorization === undefined) {
        res.status(401).type('text/plain').send('Unauthorized: log in first');
        return;
      }
      next();
    });
    app.get('/chat', websocket(() => void (handlerRan = true)));
    const { wsUrl } = await serve(app);

    // expectRefusal fails on an 'upgrade' (101) or 'open' event; it resolves on 'unexpected-response'.
    const answer = await expectRefusal(`${wsUrl}/chat`);
    expect(answer.status).toBe(401);
    expect(answer.body).toBe('Unauthorized: log in first');
    expect(answer.headers.connection).toBe('close');
    expect(handlerRan).toBe(false);

    const client = await TestClient.connect(`${wsUrl}/chat`, undefined, { headers: { authorization: 'Bearer ok' } });
    await client.closed;
    expect(handlerRan).toBe(true);
  });

  it("sends an error thrown by middleware before open() to Express's error-handling middleware", async () => {
    let handlerRan = false;
    const app = express();
    app.use((req, _res, next) => {
      if (req.headers['x-session'] === 'broken') throw new Error('session store unreachable');
      next();
    });
    app.get('/chat', websocket(() => void (handlerRan = true)));
    app.use(customErrorPage);
    const { wsUrl } = await serve(app);

    const answer = await expectRefusal(`${wsUrl}/chat`, { headers: { 'x-session': 'broken' } });
    expect(answer.status).toBe(503);
    expect(answer.body).toBe('custom error page');
    expect(handlerRan).toBe(false);
  });

  it("sends an error open() throws to next(error), so Express's error middleware answers it", async () => {
    const app = express();
    app.get('/chat', websocket(echo, { maxMessageSize: -1 }));
    app.use(customErrorPage);
    const { wsUrl } = await serve(app);

    const answer = await expectRefusal(`${wsUrl}/chat`);
    expect(answer.status).toBe(503);
    expect(answer.body).toBe('custom error page (UPSOCKET_INVALID_OPTION)');
  });

  // Not to next(error): without attach() the request is a plain HTTP one that Express would answer
  // with its HTML stack page, and it is the operator, not the client, who must hear about it.
  it('answers a server that attach() was not called for with a one-line 500 and reports it to onError', async () => {
    const errors: unknown[] = [];
    const refusals: unknown[] = [];
    const app = express();
    app.get('/chat', websocket(echo, { onError: (error) => errors.push(error), onRefuse: (refusal) => refusals.push(refusal) }));
    app.get('/chat', (_req, res) => res.send('chat page over HTTP'));
    app.use(customErrorPage);
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const { port } = server.address() as AddressInfo;

    const answer = await expectRefusal(`ws://127.0.0.1:${port}/chat`);
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toBe('Internal Server Error\n');
    expect(errors).toEqual([expect.objectContaining({ code: 'UPSOCKET_NOT_ATTACHED' })]);
    expect(refusals).toEqual([expect.objectContaining({ url: '/chat', status: 500 })]);
    expect(await (await fetch(`http://127.0.0.1:${port}/chat`)).text()).toBe('chat page over HTTP');
  });

  it('websocket() lets a plain GET of its path fall through to the next handler for that path', async () => {
    let httpHandlerSawUpgrade = false;
    const app = express();
    app.get('/chat', websocket(echo));
    app.get('/chat', (req, res) => {
      if (req.headers.upgrade !== undefined) httpHandlerSawUpgrade = true;
      res.send('chat page over HTTP');
    });
    const { httpUrl, wsUrl } = await serve(app);

    const response = await fetch(`${httpUrl}/chat`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('chat page over HTTP');

    const client = await TestClient.connect(`${wsUrl}/chat`);
    client.ws.send('over WebSocket');
    expect(await client.nextText()).toBe('over WebSocket');
    expect(httpHandlerSawUpgrade).toBe(false);
  });

  it('shows the handler the route params and what middleware put on the request, for as long as it runs', async () => {
    type SessionRequest = Request<{ room: string }> & { session?: { userId: string } };
    const app = express();
    app.use((req, _res, next) => {
      (req as SessionRequest).session = { userId: String(req.headers['x-user-id']) };
      next();
    });
    const api = express.Router();
    api.get(
      '/rooms/:room',
      websocket(async (connection, req: SessionRequest) => {
        // Read after the first message too: Express must not have reset params in between.
        await connection.read();
        const request = connection.request as SessionRequest;
        connection.sendText(JSON.stringify({
          params: request.params,
          session: request.session,
          originalUrl: request.originalUrl,
          same: request === req,
        }));
      }),
    );
    app.use('/api', api);
    const { wsUrl } = await serve(app);

    const client = await TestClient.connect(`${wsUrl}/api/rooms/kitchen%20sink?x=1`, undefined, { headers: { 'x-user-id': 'u42' } });
    client.ws.send('go');
    expect(JSON.parse(await client.nextText())).toEqual({
      params: { room: 'kitchen sink' },
      session: { userId: 'u42' },
      originalUrl: '/api/rooms/kitchen%20sink?x=1',
      same: true,
    });
  });

  it('keeps a settled copy of the request: same prototype and properties, without the finished exchange, rawHeaders rebuilt', async () => {
    type UserRequest = Request<{ room: string }> & { user?: string; secret?: string };
    const seen = deferred<Record<string, unknown>>();
    const app = express();
    app.use((req, _res, next) => {
      (req as UserRequest).user = String(req.headers['x-user-id']);
      Object.defineProperty(req, 'secret', { value: 'hidden', enumerable: false });
      next();
    });
    app.get('/rooms/:room', (req, res) => {
      if (open(req, (connection) => {
        const request = connection.request as UserRequest;
        seen.resolve({
          copy: request !== req,
          incomingMessage: request instanceof http.IncomingMessage,
          expressPrototype: Object.getPrototypeOf(Object.getPrototypeOf(request)) === Object.getPrototypeOf(req),
          get: request.get('x-user-id'),
          user: request.user,
          secret: request.secret,
          secretEnumerable: Object.keys(request).includes('secret'),
          params: request.params,
          url: request.url,
          method: request.method,
          remotePort: request.socket.remotePort,
          res: (request as { res?: unknown }).res,
          next: (request as { next?: unknown }).next,
          rawHeaders: request.rawHeaders.slice(request.rawHeaders.indexOf('x-user-id'), request.rawHeaders.indexOf('x-user-id') + 2),
          headersDistinct: request.headersDistinct['x-user-id'],
          // The stream fields are left out of the copy; what they read is the value of an upgraded request.
          statusCode: request.statusCode,
          aborted: request.aborted,
          readableEnded: request.readableEnded,
          listens: request.on('close', () => {}).listenerCount('close'),
        });
      })) return;
      res.send('plain');
    });
    const { wsUrl } = await serve(app);
    await TestClient.connect(`${wsUrl}/rooms/attic`, undefined, { headers: { 'x-user-id': 'u7' } });
    const result = await seen.promise;
    expect(result).toEqual({
      copy: true,
      incomingMessage: true,
      expressPrototype: true,
      get: 'u7',
      user: 'u7',
      secret: 'hidden',
      secretEnumerable: false,
      params: { room: 'attic' },
      url: '/rooms/attic',
      method: 'GET',
      remotePort: expect.any(Number),
      res: undefined,
      next: undefined,
      rawHeaders: ['x-user-id', 'u7'],
      headersDistinct: ['u7'],
      statusCode: null,
      aborted: false,
      readableEnded: true,
      listens: 1,
    });
  });
});

describe('the settled request', () => {
  it('shares one hidden class across connections (V8 gives each Express request its own), so an idle connection does not keep ~1 KiB of shape', async () => {
    const child = spawn(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', 'test/fixtures/express-hidden-class.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual({ sameMap: true, fast: true });
  });
});
