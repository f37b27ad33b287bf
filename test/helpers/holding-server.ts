// An upsocket server on port 0 that holds every connection it opens until someone closes it, so a
// test can close them all in one tick with the code of its choice (as a server shutting down does).
import http, { type RequestListener } from 'node:http';
import { attach, open } from '../../src/adapters/node-http/index.js';
import type { Connection } from '../../src/index.js';
import { listen, type StartedServer } from './server.js';

export interface HoldingServer extends StartedServer {
  /** The open connections. */
  connections: Set<Connection>;
  /** Closes every open connection in the same tick with `close` (e.g. `(c) => c.close(1012)`, `(c) => c.terminate()`). */
  closeAll(close: (connection: Connection) => void): void;
}

/** Started and torn down after the test; `onRequest` answers plain HTTP requests (a page, a bundle). */
export async function holdingServer(onRequest: RequestListener = (_req, res) => res.end('plain')): Promise<HoldingServer> {
  const connections = new Set<Connection>();
  const server = http.createServer((req, res) => {
    const opened = open(req, async (connection) => {
      connections.add(connection);
      await connection.closed.catch(() => {});
      connections.delete(connection);
    });
    if (!opened) onRequest(req, res);
  });
  const started = await listen(server, attach(server, { heartbeat: false, onRefuse: () => {} }));
  return { ...started, connections, closeAll: (close) => [...connections].forEach(close) };
}
