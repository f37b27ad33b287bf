import type { IncomingMessage } from 'node:http';
import { UpsocketError } from './errors.js';
import { isWebSocketUpgrade } from './handshake.js';
import type { Handler } from './lifetime.js';
import type { OpenOptions } from './options.js';
import { pendingUpgradeOf } from './pending-upgrade.js';

/**
 * The one contract every adapter's `open` is declared with: takes the framework's request object,
 * returns true when it took the request (upgrade started, or refused with a 4xx it answered) and
 * false when the request is no WebSocket upgrade, so the route can answer it over HTTP.
 */
export type Open<Request> = (request: Request, handler: Handler, options?: OpenOptions) => boolean;

/**
 * Accepts the WebSocket upgrade of a Node request that arrived through `attach()`: runs the
 * handshake checks and, if they pass, completes the upgrade and runs `handler` for the life of the
 * connection. Adapters translate their framework's request object to this.
 *
 * @example
 * http.createServer((req, res) => {
 *   if (openNodeRequest(req, (connection) => connection.sendText('hi'))) return
 *   res.end('not a WebSocket request')
 * })
 */
export const openNodeRequest: Open<IncomingMessage> = (request, handler, options) => {
  if (!isWebSocketUpgrade(request)) return false;
  if (typeof handler !== 'function') {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'open(request, handler): the handler must be a function');
  }
  const upgrade = pendingUpgradeOf(request);
  if (upgrade === undefined) {
    throw new UpsocketError(
      'UPSOCKET_NOT_ATTACHED',
      `open() got the WebSocket upgrade ${request.method} ${request.url}, but upsocket is not attached to its server: ` +
        'call attach(server) once, right after creating the HTTP server',
    );
  }
  if (upgrade.state !== 'routing' || upgrade.response.headersSent) {
    const done = upgrade.state === 'opened' ? 'opened' : 'answered over HTTP';
    throw new UpsocketError('UPSOCKET_ALREADY_HANDLED', `open() was called for ${request.method} ${request.url}, which was already ${done}`);
  }
  upgrade.server.accept(request, upgrade, handler, options);
  return true;
};
