import http from 'node:http';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { listen } from '../helpers/server.js';
import type { AdapterFixture } from './contract.js';

export const nodeHttpFixture: AdapterFixture = {
  label: 'node-http',
  capabilities: { frameworkNotFoundPage: false, routePattern: undefined },
  async start(spec) {
    const server = http.createServer((req, res) => {
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
    });
    return listen(server, attach(server, spec.attachOptions));
  },
};
