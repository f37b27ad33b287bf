// A real upsocket server whose route subscribes every connection to one topic with history and the
// envelope, with the subscribe options a test gives (issue 22: a route that forgets `since`). It can
// drop every client and stay down (upgrades answered 503, which the clients retry) while the test
// publishes, so what the clients missed is exactly what was published while down.
import http, { type RequestListener } from 'node:http';
import express from 'express';
import { attach as attachExpress, open as openExpress } from '../../src/adapters/express/index.js';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { createTopics, type Connection, type SubscribeOptions, type SubscribeResult, type UpsocketServer } from '../../src/index.js';
import { onCleanup } from './cleanup.js';
import { listen } from './server.js';

export interface RoomServerOptions {
  /** What the route passes to `topics.subscribe(connection, 'room', …)`; undefined: no options at all. */
  subscribe?: SubscribeOptions | undefined;
  /** Serves what is not an upgrade (a browser test's page and bundle). */
  onRequest?: RequestListener | undefined;
  /** Route through Express (its requests are copied by settled-request.ts) instead of node:http. */
  express?: boolean | undefined;
}

export async function roomServer(options: RoomServerOptions = {}) {
  const topics = createTopics({ history: { maxMessages: 100 }, envelope: true });
  onCleanup(() => topics.close());
  const connections = new Set<Connection>();
  const results: SubscribeResult[] = [];
  let down = false;
  const handler = async (connection: Connection): Promise<void> => {
    connections.add(connection);
    results.push(await topics.subscribe(connection, 'room', options.subscribe));
    for await (const message of connection) void message;
    connections.delete(connection);
  };
  const notFound: RequestListener = options.onRequest ?? ((_request, response) => response.writeHead(404).end());
  let server: http.Server;
  let upsocket: UpsocketServer;
  if (options.express) {
    const app = express();
    app.get('/feed', (req, res) => {
      if (down) res.status(503).end();
      else openExpress(req, handler);
    });
    app.use((req, res) => notFound(req, res));
    server = http.createServer(app);
    upsocket = attachExpress(server, { heartbeat: false });
  } else {
    server = http.createServer((req, res) => {
      if (down && req.headers.upgrade !== undefined) return res.writeHead(503).end();
      if (!open(req, handler)) notFound(req, res);
    });
    upsocket = attach(server, { heartbeat: false });
  }
  const started = await listen(server, upsocket);
  return {
    ...started,
    topics,
    results,
    /** How many clients are subscribed now. */
    get subscribed(): number {
      return topics.subscriberCount('room');
    },
    /** Drops every client (1012, as a restart would) and answers new upgrades 503 until `up()`. */
    down(): void {
      down = true;
      for (const connection of connections) void connection.close(1012);
    },
    up(): void {
      down = false;
    },
  };
}
