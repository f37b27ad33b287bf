// upsocket's Koa adapter: an app-level middleware, then an @koa/router route made with websocket().
import http from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { attach, websocket } from 'upsocket/koa';
import { ECHO_PATH, type StartServer } from './contract.js';
import { identify } from './middleware.js';
import { echo } from './upsocket-echo.js';
import { upsocketBench, upsocketOptions } from './upsocket-node-http.js';

export const start: StartServer = async (config) => {
  const app = new Koa();
  app.use(async (ctx, next) => {
    ctx.state.benchUser = identify(ctx.req);
    await next();
  });
  const router = new Router();
  router.get(ECHO_PATH, websocket(echo));
  app.use(router.routes());
  const server = http.createServer(app.callback());
  return upsocketBench(server, attach(server, upsocketOptions(config)));
};
