import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { attach, type AttachOptions, type UpsocketServer } from '../../core/index.js';
import { attachOptions, defineOptions, Upgrade } from '../../core/internal.js';
import { requestContext } from './request-context.js';

/** What upsocket uses of a Next app (what `next({ ... })` returns), typed without importing Next. */
export interface NextAppLike {
  prepare(): Promise<void>;
  getRequestHandler(): (request: IncomingMessage, response: ServerResponse) => Promise<void>;
}

/** The `next({ ... })` options upsocket reads (`dev`) and sets (`httpServer`). */
export interface NextOptionsLike {
  dev?: boolean | undefined;
  httpServer?: HttpServer | undefined;
}

/**
 * Next's default export (`import next from 'next'`). Under `"moduleResolution": "nodenext"` an ES
 * module sees Next's CommonJS export as a namespace whose `default` is the function: both work.
 */
export type NextFactory<Options, App> = ((options: Options) => App) | { default: (options: Options) => App };

/** Options of `createNextServer()`: `attach()`'s options, plus the server to serve on. */
export interface NextServerOptions extends AttachOptions {
  /** Serve on this server (an `https.Server`, say) instead of a new `http.Server`. */
  server?: HttpServer | HttpsServer | undefined;
}

/** What `createNextServer()` resolves with: the server (not yet listening), the Next app and upsocket. */
export interface NextServer<App> {
  server: HttpServer | HttpsServer;
  app: App;
  upsocket: UpsocketServer;
}

/** `createNextServer()`'s options: `attach()`'s, plus the server. */
const nextServerOptions = defineOptions<typeof attachOptions.defaults & Pick<NextServerOptions, 'server'>>({
  ...attachOptions.specs,
  server: { default: undefined },
});

const nextNotReady = Object.freeze({ status: 503, reason: 'Next.js has not handled a request yet' });

/** Next's own upgrades: dev HMR (`/_next/webpack-hmr` on 15, `/_next/hmr` on 16), under any basePath. */
function isNextInternal(request: IncomingMessage): boolean {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return (query === -1 ? url : url.slice(0, query)).includes('/_next/');
}

/**
 * Creates and prepares the Next app and serves it on an HTTP server with upsocket attached: every
 * request, WebSocket upgrades included, runs through Next's own handling (middleware/proxy,
 * redirects, routes), so `open()` in a route handler or Pages API route accepts the upgrade after
 * all of that. In dev, Next's own upgrades (HMR) go to Next.
 *
 * Next adds a catch-all `'upgrade'` listener to the `httpServer` it is given (or to the server of
 * the first request), which ends upgrades to app and pages routes; upsocket gives it a server of
 * its own that never listens and forwards only `/_next/…` upgrades to it.
 *
 * @example
 * import next from 'next'
 * import { createNextServer } from 'upsocket/next'
 *
 * const { server } = await createNextServer(next, { dev: process.env.NODE_ENV !== 'production' })
 * server.listen(3000)
 */
export async function createNextServer<Options extends NextOptionsLike, App extends NextAppLike>(
  next: NextFactory<Options, App>,
  nextOptions: Omit<Options, 'httpServer'>,
  options: NextServerOptions = {},
): Promise<NextServer<App>> {
  // Before Next's slow prepare(): attach() would find a wrong option only after it.
  const { server = createServer(), filter, ...attachSettings } = nextServerOptions.resolve('createNextServer()', options);
  const nextUpgrades = createServer();
  const createApp = typeof next === 'function' ? next : next.default;
  const app = createApp({ ...nextOptions, httpServer: nextUpgrades } as Options);
  await app.prepare();
  const handle = app.getRequestHandler();
  const dev = nextOptions.dev === true;

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    requestContext.run(request, handle, request, response).catch((error: unknown) => {
      upsocket.reporter.error(error, request, `Next.js handling ${request.method} ${request.url}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!dev || !isNextInternal(request)) return;
    // Next adds its listener on the first request; a browser tab left open across a restart
    // reconnects HMR before that, and retries (or reloads) after this answer.
    // Refused as upsocket refuses its own: a complete 503 on the socket, told to onRefuse.
    if (nextUpgrades.listenerCount('upgrade') === 0) {
      new Upgrade(upsocket, server, request, socket as Socket, head).refuse(nextNotReady);
      return;
    }
    nextUpgrades.emit('upgrade', request, socket, head);
  });
  const upsocket = attach(server, {
    ...attachSettings,
    filter: (request) => !(dev && isNextInternal(request)) && (filter === undefined || filter(request)),
  });
  return { server, app, upsocket };
}
