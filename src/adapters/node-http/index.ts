// Adapter for bare node:http / node:https servers: https://nodejs.org/api/http.html
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { openNodeRequest, type Open } from '../../core/index.js';

export * from '../exports.js';
// Bare node:http is where a user's own 'upgrade' listener lives.
export { handleStream, handleUpgrade } from '../../core/index.js';

/**
 * Accepts the WebSocket upgrade of a request that reached your `'request'` handler through
 * `attach(server)`. Returns false for ordinary requests, so the same handler can answer them.
 *
 * @example
 * import http from 'node:http'
 * import { attach, open } from 'upsocket/node-http'
 *
 * const server = http.createServer((req, res) => {
 *   if (req.url === '/echo' && open(req, async (connection) => {
 *     for await (const message of connection) connection.sendText(message.text())
 *   })) return
 *   res.end('hello over HTTP')
 * })
 * attach(server)
 * server.listen(3000)
 */
export const open: Open<IncomingMessage | Http2ServerRequest> = openNodeRequest;
