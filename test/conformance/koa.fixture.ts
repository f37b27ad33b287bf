import http from 'node:http';
import Router, { type RouterContext } from '@koa/router';
import type KoaModule from 'koa';
import type { Context, Next } from 'koa';
import { attach, open, websocket } from '../../src/adapters/koa/index.js';
import { listen } from '../helpers/server.js';
import type { AdapterFixture, AppSpec } from './contract.js';

type Koa = typeof KoaModule;

export interface KoaFixtureOptions {
  label: string;
  /**
   * Accept with the `websocket()` middleware, with a second middleware on the same route for plain
   * HTTP; otherwise the route calls `open(ctx, …)` itself.
   */
  helper?: boolean;
}

async function authMiddleware(ctx: Context, next: Next): Promise<void> {
  if (ctx.get('x-auth') === 'deny') ctx.throw(401, 'denied by auth middleware');
  ctx.state.user = ctx.get('x-user') || 'anonymous';
  await next();
}

function contextOf(ctx: RouterContext): { room: string; user: string } {
  return { room: String(ctx.params.room), user: String(ctx.state.user) };
}

function buildApp(Koa: Koa, spec: AppSpec, helper: boolean): KoaModule {
  const app = new Koa();
  const router = new Router();
  const overHttp = (ctx: RouterContext): void => {
    ctx.body = `room ${ctx.params.room} over HTTP`;
  };
  if (helper) {
    router.get('/rooms/:room', websocket((connection, ctx: RouterContext) => spec.handler(connection, contextOf(ctx)), spec.options), overHttp);
  } else {
    router.get('/rooms/:room', (ctx) => {
      if (open(ctx, (connection) => spec.handler(connection, contextOf(ctx)), spec.options)) return;
      overHttp(ctx);
    });
  }
  app.use(authMiddleware);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** The standard app (contract.ts) in Koa with @koa/router; takes the constructor so one fixture serves Koa 2 and 3. */
export function koaFixture(Koa: Koa, { label, helper = false }: KoaFixtureOptions): AdapterFixture {
  return {
    label,
    capabilities: { frameworkNotFoundPage: true, routePattern: '/rooms/:room' },
    async start(spec) {
      const server = http.createServer(buildApp(Koa, spec, helper).callback());
      return listen(server, attach(server, spec.attachOptions));
    },
  };
}
