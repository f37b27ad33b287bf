// Adapter for Next.js 15 and 16 custom servers: https://nextjs.org/docs/app/guides/custom-server
import { IncomingMessage } from 'node:http';
import { UpsocketError, type Connection, type Open, type OpenOptions } from '../../core/index.js';
import { defineAdapter, notAnUpgrade } from '../define-adapter.js';
import { requestContext } from './request-context.js';

export * from '../exports.js';
export {
  createNextServer,
  type NextAppLike,
  type NextFactory,
  type NextOptionsLike,
  type NextServer,
  type NextServerOptions,
} from './server.js';

function isFetchRequest(request: unknown): request is Request {
  return !(request instanceof IncomingMessage) && typeof (request as Partial<Request> | null | undefined)?.headers?.get === 'function';
}

/** The Node request behind an App Router `Request`, or `notAnUpgrade`. */
function nodeRequestOf(request: Request): IncomingMessage | typeof notAnUpgrade {
  const nodeRequest = requestContext.getStore();
  if (nodeRequest !== undefined) return nodeRequest;
  // Reading the headers also keeps `next build` from prerendering the route as static.
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return notAnUpgrade;
  throw new UpsocketError(
    'UPSOCKET_NOT_ATTACHED',
    `open() got the WebSocket upgrade ${request.method} ${request.url} outside createNextServer(): ` +
      'serve the app with createNextServer() from upsocket/next in a custom server',
  );
}

/** What `websocket()` returns: an App Router route handler (`export const GET = websocket(…)`). */
export type WebSocketRouteHandler<Context> = (request: Request, context: Context) => Response;

// Where Next keeps what it resolved for a request (its request-meta.ts: `NEXT_REQUEST_META`), on
// the Node request: `match.definition.pathname` is the matched route (`/rooms/[room]`).
const nextRequestMeta = Symbol.for('NextInternalRequestMeta');
type NextRequestMeta = { match?: { definition?: { pathname?: unknown } } } | undefined;

const adapter = defineAdapter<Request | IncomingMessage, unknown, WebSocketRouteHandler<unknown>>({
  // Anything but a fetch Request goes to the core as it is: a Pages `req`, or a wrong argument
  // for the core to refuse with UPSOCKET_INVALID_OPTION.
  nodeRequest: (request) => (isFetchRequest(request) ? nodeRequestOf(request) : request),
  // The route Next matched (App Router and Pages API alike), when its request meta has one.
  routeOf: (_input, request) => ((request as { [nextRequestMeta]?: NextRequestMeta })[nextRequestMeta])?.match?.definition?.pathname,
  // A route handler answers every request: any other than an upgrade gets 426 Upgrade Required.
  route: (accept) =>
    function websocketRoute(request, context) {
      // Next writes this to a response that no longer has the socket: it is never sent.
      if (accept(request, context)) return new Response(null);
      return new Response('This route only accepts WebSocket connections\n', {
        status: 426,
        headers: { Upgrade: 'websocket', 'Content-Type': 'text/plain; charset=utf-8' },
      });
    },
});

/**
 * Accepts a WebSocket upgrade inside Next route code, after middleware/proxy ran, in an app served
 * by `createNextServer()`. Takes the `Request` of an App Router route handler or the `req` of a
 * Pages API route. Returns false for ordinary requests, so the route answers them. Once it
 * returned true the socket is answered (upgraded, or refused with a 4xx): an App Router route
 * still returns a Response for Next, `new Response(null)`, which never reaches the socket; a
 * Pages API route returns, with `export const config = { api: { externalResolver: true } }` to
 * keep `next dev` from warning that it sent no response.
 *
 * @example
 * // pages/api/echo.ts
 * import type { NextApiRequest, NextApiResponse } from 'next'
 * import { open } from 'upsocket/next'
 *
 * export const config = { api: { externalResolver: true } }
 *
 * export default function handler(req: NextApiRequest, res: NextApiResponse) {
 *   if (open(req, async (connection) => {
 *     for await (const message of connection) connection.sendText(message.text())
 *   })) return
 *   res.status(426).send('WebSocket only')
 * }
 */
export const open: Open<Request | IncomingMessage> = adapter.open;

/**
 * An App Router route handler that accepts WebSocket upgrades and answers any other request with
 * 426 Upgrade Required. The handler also gets the `Request` and the route context; annotate the
 * context to type `params` (a promise in Next 15 and 16).
 *
 * @example
 * // app/rooms/[room]/route.ts
 * import { websocket } from 'upsocket/next'
 *
 * export const GET = websocket(async (connection, request, { params }: { params: Promise<{ room: string }> }) => {
 *   const { room } = await params
 *   for await (const message of connection) connection.sendText(`${room}: ${message.text()}`)
 * })
 */
export function websocket<Context = unknown>(
  handler: (connection: Connection, request: Request, context: Context) => void | Promise<void>,
  options?: OpenOptions,
): WebSocketRouteHandler<Context> {
  return adapter.websocket(handler, options);
}
