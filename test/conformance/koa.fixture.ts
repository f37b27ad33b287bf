import http from 'node:http';
import http2 from 'node:http2';
import Router, { type RouterContext } from '@koa/router';
import type KoaModule from 'koa';
import type { Context, Next } from 'koa';
import { attach, open, websocket } from '../../src/adapters/koa/index.js';
import { selfSignedCertificate } from '../helpers/certificate.js';
import { listen } from '../helpers/server.js';
import type { AdapterFixture, AppSpec } from './contract.js';
import { listenHttp2 } from './node-http2.fixture.js';

type Koa = typeof KoaModule;

export interface KoaFixtureOptions {
  label: string;
  /**
   * Accept with the `websocket()` middleware, with a second middleware on the same route for plain
   * HTTP; otherwise the route calls `open(ctx, …)` itself.
   */
  helper?: boolean;
  /** Serve on node:http2's compatibility layer (`secure`: createSecureServer with allowHTTP1; else h2c) rather than node:http. */
  http2?: { secure: boolean } | undefined;
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
export function koaFixture(Koa: Koa, { label, helper = false, http2: overHttp2 }: KoaFixtureOptions): AdapterFixture {
  return {
    label,
    capabilities: { frameworkNotFoundPage: true, routePattern: '/rooms/:room', http2: overHttp2 !== undefined },
    async start(spec) {
      const callback = buildApp(Koa, spec, helper).callback();
      if (overHttp2 !== undefined) {
        const { secure } = overHttp2;
        const server = secure ? http2.createSecureServer({ ...(await selfSignedCertificate()), allowHTTP1: true }, callback) : http2.createServer(callback);
        return listenHttp2(server, secure, spec);
      }
      const server = http.createServer(callback);
      return listen(server, attach(server, spec.attachOptions));
    },
  };
}
