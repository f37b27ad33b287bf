import http from 'node:http';
import { connect as connectTcp } from 'node:net';
import { Server as SocketIoServer, type ServerOptions } from 'socket.io';
import { io as connectSocketIo, type Socket as SocketIoClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { attach, open, type AttachOptions, type Connection, type UpsocketServer } from '../../../src/adapters/node-http/index.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { delay, listen, until } from '../../helpers/server.js';
import { TestClient } from '../../helpers/ws-client.js';

async function upsocketEcho(connection: Connection): Promise<void> {
  for await (const message of connection) connection.sendText(`up:${message.text()}`);
}

interface AppSetup {
  order: 'upsocket first' | 'socket.io first';
  socketIo?: Partial<ServerOptions>;
  attachOptions?: AttachOptions;
  /** How long the `/up` route takes (an async auth lookup, say) before it calls open(). */
  routeDelay?: number;
  /**
   * Adds an engine.io middleware (`io.engine.use`), as socket.io documents for express-session:
   * one that calls next() at once, or one that waits (a session store lookup).
   */
  engineMiddleware?: 'immediate' | 'delayed';
}

/** An app with upsocket on `/up` and socket.io at its default path; records the URLs the app saw. */
async function startApp(setup: AppSetup) {
  const routed: string[] = [];
  const handlerRuns: string[] = [];
  /** What each delayed open() call returned. */
  const openResults: boolean[] = [];
  const server = http.createServer((req, res) => {
    routed.push(req.url ?? '');
    if (req.url !== '/up') {
      res.writeHead(404).end('Not Found');
      return;
    }
    setTimeout(() => {
      const handler = (connection: Connection): Promise<void> => {
        handlerRuns.push(req.url ?? '');
        return upsocketEcho(connection);
      };
      const opened = open(req, handler);
      openResults.push(opened);
      if (!opened) res.end('over HTTP');
    }, setup.routeDelay ?? 0);
  });
  let upsocket: UpsocketServer;
  let sio: SocketIoServer;
  if (setup.order === 'upsocket first') {
    upsocket = attach(server, setup.attachOptions);
    sio = new SocketIoServer(server, setup.socketIo);
  } else {
    sio = new SocketIoServer(server, setup.socketIo);
    upsocket = attach(server, setup.attachOptions);
  }
  if (setup.engineMiddleware !== undefined) {
    const delayed = setup.engineMiddleware === 'delayed';
    sio.engine.use((_req: unknown, _res: unknown, next: () => void) => (delayed ? setTimeout(next, 10) : next()));
  }
  sio.on('connection', (socket) => socket.on('echo', (text: string, ack: (reply: string) => void) => ack(`sio:${text}`)));
  const started = await listen(server, upsocket);
  // Registered after listen(), so it runs first: socket.io's own close() would also close the HTTP server.
  onCleanup(() => {
    sio.disconnectSockets(true);
    sio.engine.close();
  });
  return { ...started, sio, routed, handlerRuns, openResults };
}

async function connectSocketIoClient(httpUrl: string): Promise<SocketIoClient> {
  const client = connectSocketIo(httpUrl, { transports: ['websocket'], reconnection: false, forceNew: true });
  onCleanup(() => client.disconnect());
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  return client;
}

/** socket.io acknowledges an event and upsocket echoes, on one server, each with one connection. */
async function expectBothEcho({ httpUrl, wsUrl, upsocket, sio }: Awaited<ReturnType<typeof startApp>>): Promise<SocketIoClient> {
  const [sioClient, ours] = await Promise.all([connectSocketIoClient(httpUrl), TestClient.connect(`${wsUrl}/up`)]);
  ours.ws.send('hello');
  expect(await sioClient.emitWithAck('echo', 'hello')).toBe('sio:hello');
  expect(await ours.nextText()).toBe('up:hello');
  expect(sio.engine.clientsCount).toBe(1);
  expect(upsocket.connections.size).toBe(1);
  return sioClient;
}

/** Resolves with how a ws handshake to `url` ended: opened and echoed, or the client's error. */
function handshakeOutcome(url: string): Promise<string> {
  return TestClient.connect(url).then(
    async (client) => {
      client.ws.send('hi');
      return `opened, echoed ${await client.nextText()}`;
    },
    (error: Error) => `failed: ${error.message}`,
  );
}

describe('sharing the server with socket.io', () => {
  for (const order of ['upsocket first', 'socket.io first'] as const) {
    it(`serves a socket.io client and an upsocket client at the same time (${order})`, async () => {
      const app = await startApp({ order });
      const sioClient = await expectBothEcho(app);
      expect(sioClient.io.engine.transport.name).toBe('websocket');
      const { routed } = app;
      // socket.io answered its own upgrade synchronously: upsocket never routed it through the app.
      expect(routed).toEqual(['/up']);
    });
  }

  it("engine.io's destroyUpgrade ends an upsocket upgrade whose route takes longer than 1 s", async () => {
    const { wsUrl, upsocket, handlerRuns, openResults } = await startApp({ order: 'upsocket first', routeDelay: 1200 });
    const started = Date.now();
    const outcome = await handshakeOutcome(`${wsUrl}/up`);
    // engine.io ended the socket at 1 s, before the route got to open().
    expect(outcome).toBe('failed: socket hang up');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(openResults).toEqual([]);
    // The route's open() then returns true, but ws finds the socket ended and the handler never runs.
    await until(() => openResults.length === 1, 2000, 'the route to call open()');
    await delay(100);
    expect(openResults).toEqual([true]);
    expect(handlerRuns).toEqual([]);
    expect(upsocket.connections.size).toBe(0);
  });

  it('with destroyUpgrade: false, a route that takes longer than 1 s still opens', async () => {
    const { wsUrl, upsocket, handlerRuns, httpUrl } = await startApp({
      order: 'upsocket first',
      routeDelay: 1200,
      socketIo: { destroyUpgrade: false },
    });
    expect(await handshakeOutcome(`${wsUrl}/up`)).toBe('opened, echoed up:hi');
    expect(handlerRuns).toEqual(['/up']);
    expect(upsocket.connections.size).toBe(1);
    const sioClient = await connectSocketIoClient(httpUrl);
    expect(await sioClient.emitWithAck('echo', 'still')).toBe('sio:still');
  });

  it('with an engine.io middleware that calls next() at once, both work without a filter', async () => {
    const app = await startApp({ order: 'upsocket first', engineMiddleware: 'immediate' });
    await expectBothEcho(app);
    expect(app.routed).toEqual(['/up']);
  });

  it('with an engine.io middleware that waits, socket.io answers late: without a filter both answer the same socket', async () => {
    const { httpUrl, routed } = await startApp({ order: 'upsocket first', engineMiddleware: 'delayed' });
    // The client reads the 400 as a broken frame: usually before socket.io's CONNECT completes
    // (connect_error), but on a loaded machine the second middleware timer can fire a round trip
    // later, and then the connection it got breaks right after (disconnect: transport error).
    const outcome = await connectSocketIoClient(httpUrl).then(
      (client) =>
        new Promise<string>((resolve) => {
          client.once('disconnect', (reason: string) => resolve(`connected, then disconnect: ${reason}`));
          setTimeout(() => resolve('connected, still connected after 2 s'), 2000);
        }),
      (error: Error) => `connect_error: ${error.message}`,
    );
    expect(['connect_error: websocket error', 'connected, then disconnect: transport error', 'connected, then disconnect: transport close']).toContain(outcome);
    // On the wire: engine.io's 101, and (before or after socket.io's first packet, depending on the
    // middleware's timing) engine.io's 400 to the copy upsocket routed through 'request'.
    const { port } = new URL(httpUrl);
    const raw = connectTcp(Number(port), '127.0.0.1');
    onCleanup(() => raw.destroy());
    let received = '';
    raw.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    raw.write(
      'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n' +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await delay(200);
    expect(received).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(received).toContain('HTTP/1.1 400 Bad Request\r\n');
    // engine.io's request wrapper took the routed copy, so the app itself never saw it.
    expect(routed).toEqual([]);
  });

  it("with an engine.io middleware, filter: excluding '/socket.io/' lets both work", async () => {
    const app = await startApp({
      order: 'upsocket first',
      engineMiddleware: 'delayed',
      attachOptions: { filter: (req) => !req.url?.startsWith('/socket.io/') },
    });
    await expectBothEcho(app);
  });
});
