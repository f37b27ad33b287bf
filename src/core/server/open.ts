import type { IncomingMessage } from 'node:http';
import { UpsocketError } from '../connection/errors.js';
import { isWebSocketUpgrade } from './handshake.js';
import { isWebSocketConnect } from './h2-handshake.js';
import { writeStreamRefusal } from './http-answer.js';
import type { Http2ServerRequest, ServerHttp2Stream } from 'node:http2';
import { writeRawRefusal, type Refusal } from './http-answer.js';
import type { Handler } from '../connection/lifetime.js';
import { describeValue } from '../connection/option-keys.js';
import { openOptions, type OpenOptions } from './options.js';
import { Reporter } from './reporter.js';
import { recordRoute } from './route-patterns.js';
import { Upgrade } from './upgrade.js';

/**
 * The one contract every adapter's `open` is declared with: takes the framework's request object,
 * returns true when it took the request (upgrade started, or refused with a 4xx it answered) and
 * false when the request is no WebSocket upgrade, so the route can answer it over HTTP.
 */
export type Open<Request> = (request: Request, handler: Handler, options?: OpenOptions) => boolean;

function assertRequest(request: unknown): asserts request is IncomingMessage {
  if (typeof request !== 'object' || request === null) throw notARequest(request);
}

/** Read once by `open()`: `headers` is a getter, a megamorphic look-up on an Express request. */
function headersOf(request: IncomingMessage): IncomingMessage['headers'] {
  const headers = request.headers as unknown;
  if (typeof headers === 'object' && headers !== null) return headers as IncomingMessage['headers'];
  throw notARequest(request);
}

function notARequest(request: unknown): UpsocketError {
  return new UpsocketError(
    'UPSOCKET_INVALID_OPTION',
    "open(request, handler): request must be the framework's request object (node:http and Express: the http.IncomingMessage " +
      `req; Koa: the context ctx; Next.js: the route's Request or req), got ${describeValue(request)}`,
  );
}

/**
 * Without `attach()` Node hands an upgrade to the 'request' listeners as a plain request, its
 * parser still on the socket. Throwing would crash a bare node:http server (and show Express's
 * stack page): answer the client 500 on the socket, close it, and tell the operator instead.
 */
function refuseUnattached(request: IncomingMessage, options: OpenOptions | undefined): void {
  const refusal: Refusal = { status: 500, reason: 'Internal Server Error' };
  const stream = (request as unknown as Partial<Http2ServerRequest>).stream as ServerHttp2Stream | undefined;
  const socket = request.socket as IncomingMessage['socket'] | null;
  // An HTTP/2 request's socket is the session's: only its stream is ours to answer on.
  if (stream !== undefined) writeStreamRefusal(stream, refusal);
  else if (socket?.writable) {
    // The app's ServerResponse never writes: open() returns true, so the route answers nothing.
    writeRawRefusal(socket, refusal);
    socket.destroySoon();
  }
  // Options are not validated here: an error thrown now would crash the process all the same.
  const reporter = new Reporter(openOptions.defaults.onError, openOptions.defaults.onRefuse).withCallbacksOf(options);
  reporter.refusal(request, refusal);
  const error = new UpsocketError(
    'UPSOCKET_NOT_ATTACHED',
    `open() got the WebSocket upgrade ${request.method} ${request.url}, but upsocket is not attached to its server: ` +
      'call attach(server) once, right after creating the HTTP server',
  );
  reporter.error(error, request, `routing the WebSocket upgrade ${request.method} ${request.url}`);
}

/**
 * Accepts the WebSocket upgrade of a Node request that arrived through `attach()`: runs the
 * handshake checks and, if they pass, completes the upgrade and runs `handler` for the life of the
 * connection. On a `node:http2` server it takes the compat request of an RFC 8441 extended
 * CONNECT the same way. Adapters translate their framework's request object to this.
 *
 * @example
 * http.createServer((req, res) => {
 *   if (openNodeRequest(req, (connection) => connection.sendText('hi'))) return
 *   res.end('not a WebSocket request')
 * })
 */
export const openNodeRequest: Open<IncomingMessage | Http2ServerRequest> = (request, handler, options) => openRoute(request as IncomingMessage, handler, options, undefined);

/**
 * @internal `openNodeRequest()` for an adapter that knows the route: `route` names it for a
 * route's own `maxConnections` (the `websocket()` call, the framework's matched pattern);
 * undefined: the request's path. `pattern`, the framework's matched pattern when the adapter
 * looked it up, becomes the route of the request's `upsocket:open` or `upsocket:refused`.
 */
export function openRoute(request: IncomingMessage, handler: Handler, options: OpenOptions | undefined, route: unknown, pattern?: unknown): boolean {
  assertRequest(request);
  const headers = headersOf(request);
  // An HTTP/2 extended CONNECT is looked for only on requests that are no HTTP/1.1 upgrade.
  if (!isWebSocketUpgrade(headers) && !isWebSocketConnect(headers)) return false;
  if (typeof pattern === 'string') recordRoute(request, pattern);
  const upgrade = Upgrade.of(request);
  if (upgrade === undefined) {
    refuseUnattached(request, options);
    return true;
  }
  if (typeof handler !== 'function') {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'open(request, handler): the handler must be a function');
  }
  upgrade.complete(handler, options, request, route);
  return true;
}
