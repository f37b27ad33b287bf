import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { listen } from '../helpers/server.js';
import type { AdapterFixture, AppSpec } from './contract.js';

/** The standard app as a plain request listener: the same code serves node:http and node:http2. */
export function nodeHttpApp(spec: AppSpec): (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void {
  return (req, res) => {
    if (req.headers['x-auth'] === 'deny') {
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('denied by auth middleware');
      return;
    }
    const user = String(req.headers['x-user'] ?? 'anonymous');
    const match = /^\/rooms\/([^/?]+)/.exec(req.url ?? '');
    if (match?.[1] === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
      return;
    }
    const room = decodeURIComponent(match[1]);
    if (open(req, (connection) => spec.handler(connection, { room, user }), spec.options)) return;
    res.end(`room ${room} over HTTP`);
  };
}

export const nodeHttpFixture: AdapterFixture = {
  label: 'node-http',
  capabilities: { frameworkNotFoundPage: false, routePattern: undefined },
  async start(spec) {
    const server = http.createServer(nodeHttpApp(spec));
    return listen(server, attach(server, spec.attachOptions));
  },
};
