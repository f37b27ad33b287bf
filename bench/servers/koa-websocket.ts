// koa-websocket: the same middleware on its WebSocket middleware stack, then an @koa/router route.
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import websockify from 'koa-websocket';
import type { WebSocket } from 'ws';
import { countPending, ECHO_PATH, type StartServer } from './contract.js';
import { identify } from './middleware.js';

function wsOnMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  this.send(isBinary ? data : data.toString());
}

export const start: StartServer = async () => {
  const app = websockify(new Koa());
  app.ws.use(async (ctx, next) => {
    ctx.state.benchUser = identify(ctx.req);
    await next();
  });
  const router = new Router();
  router.get(ECHO_PATH, (ctx) => {
    const ws = (ctx as unknown as { websocket: WebSocket }).websocket;
    ws.on('error', () => ws.terminate());
    ws.on('message', wsOnMessage);
  });
  app.ws.use(router.routes() as never);
  // koa-websocket attaches its ws server inside its patched app.listen().
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const wss = app.ws.server;
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => wss.clients.size,
    broadcast: (text) => {
      for (const ws of wss.clients) ws.send(text);
    },
    pending: () => countPending(wss.clients),
  };
};
