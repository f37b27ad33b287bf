// Adapter for Express 4 and 5: https://expressjs.com/en/guide/routing.html
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connection, Open, OpenOptions } from '../../core/index.js';
import { defineAdapter } from '../define-adapter.js';

export * from '../exports.js';

/** Express's `next`, structurally: no argument continues, an error goes to error-handling middleware. */
export type NextFunction = (error?: unknown) => void;

/** What `websocket()` returns: an Express route handler (Express's own `RequestHandler` accepts it). */
export type WebSocketRoute<Request extends IncomingMessage = IncomingMessage> = (
  request: Request,
  response: ServerResponse,
  next: NextFunction,
) => void;

const adapter = defineAdapter<IncomingMessage, undefined, WebSocketRoute>({
  nodeRequest: (request) => request,
  inputIsNodeRequest: true,
  // The matched route, under its router's mount path: /api + /rooms/:room.
  routeOf: (request) => {
    const { route, baseUrl } = request as { route?: { path?: unknown }; baseUrl?: unknown };
    return route === undefined ? undefined : `${typeof baseUrl === 'string' ? baseUrl : ''}${String(route.path)}`;
  },
  // Express links req.res and req.next; a route that keeps its req (a handler closing over it)
  // would otherwise hold the unused response and the router's closures for the connection's life.
  taken: (request) => {
    (request as { res?: unknown }).res = undefined;
    (request as { next?: unknown }).next = undefined;
  },
  // Plain HTTP goes on to the next handler for the path; what open() throws, to error middleware.
  route: (accept) =>
    function websocketRoute(request, _response, next) {
      let opened: boolean;
      try {
        opened = accept(request, undefined);
      } catch (error) {
        next(error);
        return;
      }
      if (!opened) next();
    },
});

/**
 * Accepts the WebSocket upgrade of an Express request that reached your route through
 * `attach(server)`. An Express `req` is a Node request, so this is the core `open()`. Returns
 * false for ordinary requests, so the route can answer them over HTTP.
 *
 * @example
 * import express from 'express'
 * import http from 'node:http'
 * import { attach, open } from 'upsocket/express'
 *
 * const app = express()
 * app.get('/rooms/:room', (req, res) => {
 *   if (open(req, (connection) => connection.sendText(`welcome to ${req.params.room}`))) return
 *   res.send('this route speaks WebSocket')
 * })
 * const server = http.createServer(app)
 * attach(server)
 * server.listen(3000)
 */
export const open: Open<IncomingMessage> = adapter.open;

/**
 * An Express route handler that accepts WebSocket upgrades and calls `next()` for every other
 * request, so a later handler for the same path can answer plain HTTP. Errors `open()` throws
 * (a bad option) go to `next(error)`, i.e. your error middleware; a server without `attach()`
 * gets a 500 from upsocket itself and the error goes to `onError`.
 * The handler also gets the Express request; annotate it to type what your middleware and route
 * set on it (TypeScript cannot infer it through Express's overloaded `app.get`).
 *
 * @example
 * import type { Request } from 'express'
 * import { websocket } from 'upsocket/express'
 *
 * app.get('/rooms/:room', websocket(async (connection, req: Request<{ room: string }>) => {
 *   for await (const message of connection) connection.sendText(`${req.params.room}: ${message.text()}`)
 * }))
 * app.get('/rooms/:room', (req, res) => res.send('join with a WebSocket'))
 */
export function websocket<Request extends IncomingMessage = IncomingMessage>(
  handler: (connection: Connection, request: Request) => void | Promise<void>,
  options?: OpenOptions,
): WebSocketRoute<Request> {
  return adapter.websocket(handler, options);
}
