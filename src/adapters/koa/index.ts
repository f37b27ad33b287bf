// Adapter for Koa 2 and 3: https://koajs.com/#context
import type { IncomingMessage } from 'node:http';
import type { Connection, Open, OpenOptions } from '../../core/index.js';
import { defineAdapter } from '../define-adapter.js';

export * from '../exports.js';

/** The part of a Koa context upsocket uses, so no Koa types are needed to use this adapter. */
export interface KoaContextLike {
  /** The Node request. */
  req: IncomingMessage;
  /** Koa's bypass switch: set to false once upsocket answered, so Koa writes nothing after it. */
  respond?: boolean | undefined;
}

/** What `websocket()` returns: a Koa middleware (Koa's and @koa/router's types accept it). */
export type WebSocketMiddleware<Context extends KoaContextLike = KoaContextLike> = (
  ctx: Context,
  next: () => Promise<unknown>,
) => Promise<void>;

const adapter = defineAdapter<KoaContextLike, undefined, WebSocketMiddleware>({
  // `?.`: a wrong argument reaches the core's check and its UPSOCKET_INVALID_OPTION, not a TypeError.
  nodeRequest: (ctx) => ctx?.req,
  taken: (ctx) => {
    ctx.respond = false;
  },
  // @koa/router's matched route pattern (with its prefix), when a router matched one.
  routeOf: (ctx) => (ctx as { _matchedRoute?: unknown })._matchedRoute,
  // Plain HTTP goes on to later middleware; what open() throws rejects, for Koa's error handling.
  route: (accept) =>
    async function websocketMiddleware(ctx, next) {
      if (accept(ctx, undefined)) return;
      await next();
    },
});

/**
 * Accepts the WebSocket upgrade of a Koa request that reached your middleware through
 * `attach(server)`. Returns false for ordinary requests, so the route can answer them over HTTP.
 * When it returns true the socket is answered (upgraded, or refused with a 4xx), so it sets
 * `ctx.respond = false` to keep Koa from writing a response of its own.
 *
 * @example
 * import Koa from 'koa'
 * import Router from '@koa/router'
 * import http from 'node:http'
 * import { attach, open } from 'upsocket/koa'
 *
 * const app = new Koa()
 * const router = new Router()
 * router.get('/rooms/:room', (ctx) => {
 *   if (open(ctx, (connection) => connection.sendText(`welcome to ${ctx.params.room}`))) return
 *   ctx.body = 'this route speaks WebSocket'
 * })
 * app.use(router.routes())
 * const server = http.createServer(app.callback())
 * attach(server)
 * server.listen(3000)
 */
export const open: Open<KoaContextLike> = adapter.open;

/**
 * A Koa middleware that accepts WebSocket upgrades and awaits `next()` for every other request,
 * so later middleware answers plain HTTP. Errors `open()` throws reject the middleware, so Koa's
 * own error handling answers them. The handler also gets the context; annotate it to type
 * `ctx.params` and `ctx.state`.
 *
 * @example
 * import type { RouterContext } from '@koa/router'
 * import { websocket } from 'upsocket/koa'
 *
 * router.get('/rooms/:room', websocket(async (connection, ctx: RouterContext) => {
 *   for await (const message of connection) connection.sendText(`${ctx.params.room}: ${message.text()}`)
 * }), (ctx) => {
 *   ctx.body = 'join with a WebSocket'
 * })
 */
export function websocket<Context extends KoaContextLike = KoaContextLike>(
  handler: (connection: Connection, ctx: Context) => void | Promise<void>,
  options?: OpenOptions,
): WebSocketMiddleware<Context> {
  return adapter.websocket(handler, options);
}
