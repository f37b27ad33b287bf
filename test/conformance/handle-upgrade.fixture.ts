import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleUpgrade } from '../../src/adapters/node-http/index.js';
import type { UpsocketServer } from '../../src/index.js';
import { listen } from '../helpers/server.js';
import type { AdapterFixture } from './contract.js';

/** What the app's own 'upgrade' listener answers before handing over: its middleware, by hand. */
function answer(socket: Duplex, status: number, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * No attach(): a plain server whose own 'upgrade' listener does what the standard app's middleware
 * and router do, then calls handleUpgrade() for `/rooms/:room`. attach()'s options (but `filter`)
 * are given to every call instead.
 */
export const handleUpgradeFixture: AdapterFixture = {
  label: 'handleUpgrade() from an upgrade listener',
  capabilities: { frameworkNotFoundPage: false, routePattern: undefined },
  async start(spec) {
    const { filter: _filter, ...defaults } = spec.attachOptions ?? {};
    let upsocket: UpsocketServer | undefined;
    const server = http.createServer((req, res) => {
      const match = /^\/rooms\/([^/?]+)/.exec(req.url ?? '');
      if (match?.[1] === undefined) res.writeHead(404).end('Not Found');
      else res.end(`room ${decodeURIComponent(match[1])} over HTTP`);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.headers['x-auth'] === 'deny') return answer(socket, 401, 'denied by auth middleware');
      const match = /^\/rooms\/([^/?]+)/.exec(req.url ?? '');
      if (match?.[1] === undefined) return answer(socket, 404, 'Not Found');
      const context = { room: decodeURIComponent(match[1]), user: String(req.headers['x-user'] ?? 'anonymous') };
      upsocket = handleUpgrade(req, socket, head, (connection) => spec.handler(connection, context), { ...defaults, ...spec.options });
    });
    // Torn down like an attached server: the UpsocketServer handleUpgrade() used, once there is one.
    const closer = { close: (options) => upsocket?.close(options) ?? Promise.resolve() } as Pick<UpsocketServer, 'close'>;
    return listen(server, closer as UpsocketServer);
  },
};
