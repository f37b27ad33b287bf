import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { attach, open, type AttachOptions, type Connection, type UpsocketServer } from '../../../src/adapters/node-http/index.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { delay, listen, until } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

/** upsocket's route echoes with `up:`, the other ws server with `other:`, so each reply names its server. */
async function upsocketEcho(connection: Connection): Promise<void> {
  for await (const message of connection) connection.sendText(`up:${message.text()}`);
}

/** A second ws server as ws documents it for several servers on one HTTP server. */
function otherWsServer(): WebSocketServer {
  const other = new WebSocketServer({ noServer: true });
  other.on('connection', (ws) => ws.on('message', (data) => ws.send(`other:${String(data)}`)));
  onCleanup(() => {
    for (const ws of other.clients) ws.terminate();
    other.close();
  });
  return other;
}

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

interface AppSetup {
  /** Whether `attach()` runs before or after the app adds its own 'upgrade' listener. */
  order: 'upsocket first' | 'other listener first';
  /** The app's own 'upgrade' listener, given the second ws server. */
  otherListener: (other: WebSocketServer) => UpgradeListener;
  attachOptions?: AttachOptions;
}

/** An app with upsocket on `/up` and a second ws server; records every URL its request handler saw. */
async function startApp(setup: AppSetup) {
  const routed: string[] = [];
  const server = http.createServer((req, res) => {
    routed.push(req.url ?? '');
    if (req.url === '/up' && open(req, upsocketEcho)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
  });
  const other = otherWsServer();
  const listener = setup.otherListener(other);
  let upsocket: UpsocketServer;
  if (setup.order === 'upsocket first') {
    upsocket = attach(server, setup.attachOptions);
    server.on('upgrade', listener);
  } else {
    server.on('upgrade', listener);
    upsocket = attach(server, setup.attachOptions);
  }
  const started = await listen(server, upsocket);
  return { ...started, other, routed };
}

/** The pattern from ws's README: hand `/other` to the noServer ws server, leave the rest alone. */
const handsOtherSynchronously = (other: WebSocketServer): UpgradeListener => (request, socket, head) => {
  if (request.url !== '/other') return;
  other.handleUpgrade(request, socket, head, (ws) => other.emit('connection', ws, request));
};

/** A listener that answers `/slow` only after 50 ms (an async auth check, say). */
const handsSlowLater = (other: WebSocketServer): UpgradeListener => (request, socket, head) => {
  if (!request.url?.startsWith('/slow')) return;
  setTimeout(() => other.handleUpgrade(request, socket, head, (ws) => other.emit('connection', ws, request)), 50);
};

describe('sharing the server with a second ws server (noServer)', () => {
  for (const order of ['upsocket first', 'other listener first'] as const) {
    it(`serves both at the same time (${order})`, async () => {
      const { wsUrl, upsocket, other, routed } = await startApp({ order, otherListener: handsOtherSynchronously });
      const [theirs, ours] = await Promise.all([TestClient.connect(`${wsUrl}/other`), TestClient.connect(`${wsUrl}/up`)]);
      for (let i = 0; i < 3; i++) {
        theirs.ws.send(`t${i}`);
        ours.ws.send(`o${i}`);
      }
      for (let i = 0; i < 3; i++) {
        expect(await theirs.nextText()).toBe(`other:t${i}`);
        expect(await ours.nextText()).toBe(`up:o${i}`);
      }
      // Each connection is held by exactly one library; upsocket never routed `/other` through the app.
      expect(other.clients.size).toBe(1);
      expect(upsocket.connections.size).toBe(1);
      expect(routed).toEqual(['/up']);
    });
  }

  it('leaves an upgrade the other listener answers later alone when filter excludes it', async () => {
    const { wsUrl, upsocket, other, routed } = await startApp({
      order: 'upsocket first',
      otherListener: handsSlowLater,
      attachOptions: { filter: (req) => !req.url?.startsWith('/slow') },
    });
    const [slow, ours] = await Promise.all([TestClient.connect(`${wsUrl}/slow`), TestClient.connect(`${wsUrl}/up`)]);
    slow.ws.send('late');
    ours.ws.send('now');
    expect(await slow.nextText()).toBe('other:late');
    expect(await ours.nextText()).toBe('up:now');
    expect(other.clients.size).toBe(1);
    expect(upsocket.connections.size).toBe(1);
    expect(routed).toEqual(['/up']);
  });

  it('without the filter, the app answers such an upgrade first (404) and the late listener finds a dead socket', async () => {
    const { wsUrl, other, routed } = await startApp({ order: 'upsocket first', otherListener: handsSlowLater });
    let otherConnections = 0;
    other.on('connection', () => otherConnections++);
    const answer = await expectRefusal(`${wsUrl}/slow`);
    expect(answer.status).toBe(404);
    expect(answer.body).toBe('Not Found');
    expect(routed).toEqual(['/slow']);
    // Give the late listener time to run: ws sees the ended socket and drops it, so no connection.
    await delay(150);
    expect(otherConnections).toBe(0);
    expect(other.clients.size).toBe(0);
  });

  it('a ws server given { server, path } answers 400 to every other path, so upsocket never sees them', async () => {
    const routed: string[] = [];
    const server = http.createServer((req, res) => {
      routed.push(req.url ?? '');
      if (open(req, upsocketEcho)) return;
      res.writeHead(404).end();
    });
    const upsocket = attach(server);
    const pathBound = new WebSocketServer({ server, path: '/other' });
    onCleanup(() => pathBound.close());
    const { wsUrl } = await listen(server, upsocket);
    const answer = await expectRefusal(`${wsUrl}/up`);
    expect(answer.status).toBe(400);
    expect(routed).toEqual([]);
    expect(upsocket.connections.size).toBe(0);
  });

  it('keeps each client on its own server after many concurrent connections', async () => {
    const { wsUrl, upsocket, other } = await startApp({ order: 'other listener first', otherListener: handsOtherSynchronously });
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) => TestClient.connect(`${wsUrl}/${i % 2 === 0 ? 'other' : 'up'}`)),
    );
    await until(() => other.clients.size === 10 && upsocket.connections.size === 10, 2000, 'ten connections on each server');
    clients.forEach((client, i) => client.ws.send(`n${i}`));
    const replies = await Promise.all(clients.map((client) => client.nextText()));
    expect(replies).toEqual(clients.map((_, i) => `${i % 2 === 0 ? 'other' : 'up'}:n${i}`));
  });
});
