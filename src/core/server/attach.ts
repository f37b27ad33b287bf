import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { UpsocketError } from '../connection/errors.js';
import { defineOptions, type OptionCheck } from '../connection/define-options.js';
import { positiveInteger } from '../connection/option-checks.js';
import { Admission } from './admission.js';
import { assertKnownOptions, describeValue } from '../connection/option-keys.js';
import { openOptions, type OpenOptions, type Settings } from './options.js';
import { sharedWeakMap } from './registry.js';
import { UpsocketServer } from './server.js';
import { Upgrade } from './upgrade.js';
import { answerOtherConnect, H2Upgrade, type AnyHttp2Server } from './h2-upgrade.js';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** Options of `attach()`: defaults for every `open()`, plus which upgrades upsocket routes. */
export interface AttachOptions extends OpenOptions {
  /**
   * Upgrades for which this returns false are left untouched for other `'upgrade'` listeners
   * (socket.io, another ws server). Needed only for listeners that answer asynchronously: an
   * upgrade another listener answers synchronously is left alone anyway. Default: every upgrade.
   */
  filter?: ((request: IncomingMessage) => boolean) | undefined;
  /**
   * Upgrades this server routes through the app at once at most: received and admitted, not yet
   * opened, answered, refused or left by their client (sitting in an async middleware, a session
   * lookup). One more is answered at once, before the app sees it, with a raw
   * `503 Too many upgrades in progress (maxPendingUpgrades)` and `Retry-After` (1 s, or
   * `retryAfter` if lower), so that in a reconnect storm the process keeps accepting and its open
   * connections keep their latency, and a balancer can try another instance. A route that opens
   * synchronously never has more than one pending. `false` turns it off. Default: 512 (about
   * Node's listen backlog, 511: that many handshakes waiting on the app means new ones would wait
   * behind all of them).
   *
   * @example
   * attach(server, { maxPendingUpgrades: 256 })
   */
  maxPendingUpgrades?: number | false | undefined;
  /**
   * Upgrades this server admits per second at most (a token bucket refilled at this rate, holding
   * `upgradeBurst`); one more is answered before the app sees it with a raw
   * `503 Too many upgrades per second (upgradesPerSecond)` and `Retry-After` (1 s, or `retryAfter`
   * if lower). Size it below what the process handshakes (and resumes) per second with room
   * left for its open connections. Default: no limit (what one process can take depends on the
   * machine and the app).
   *
   * @example
   * attach(server, { upgradesPerSecond: 500, upgradeBurst: 1000 })
   */
  upgradesPerSecond?: number | undefined;
  /** Upgrades admitted at once after a quiet spell, with `upgradesPerSecond`. Default: `upgradesPerSecond` (one second's worth). */
  upgradeBurst?: number | undefined;
}

const positiveIntegerOrFalse: OptionCheck<number | false> = (value, key, caller) => {
  if (value !== false) positiveInteger(value, `${key} (or false to turn it off)`, caller);
};

/** @internal The options of `attach()`: those of `open()`, plus `filter` and the admission bounds. */
export const attachOptions = defineOptions<
  Settings & Pick<AttachOptions, 'filter' | 'upgradesPerSecond' | 'upgradeBurst'> & { maxPendingUpgrades: number | false }
>({
  ...openOptions.specs,
  filter: {
    default: undefined,
    check: (filter) => {
      if (typeof filter !== 'function') {
        throw new UpsocketError('UPSOCKET_INVALID_OPTION', `attach(): filter must be a function (request) => boolean, got ${describeValue(filter)}`);
      }
    },
  },
  maxPendingUpgrades: { default: 512, check: positiveIntegerOrFalse },
  upgradesPerSecond: { default: undefined, check: positiveInteger as OptionCheck<number | undefined> },
  upgradeBurst: { default: undefined, check: positiveInteger as OptionCheck<number | undefined> },
});

const attached = sharedWeakMap<HttpServer | HttpsServer | AnyHttp2Server, UpsocketServer>('attached');

/** A `node:http2` server (its sessions have settings to announce); `http(s).Server` has no `updateSettings()`. */
function isHttp2Server(server: HttpServer | HttpsServer | AnyHttp2Server): server is AnyHttp2Server {
  return typeof (server as Partial<AnyHttp2Server>).updateSettings === 'function';
}

function routeH2Upgrade(upgrade: H2Upgrade): void {
  upgrade.route();
}

/**
 * Routes a `node:http2` server's RFC 8441 extended CONNECTs as `attach()` routes upgrades. Node's
 * compat layer never gives a CONNECT to `'request'`: it emits `'connect'` (and answers 405 when
 * nobody listens), the HTTP/2 twin of `'upgrade'`. The server must announce
 * SETTINGS_ENABLE_CONNECT_PROTOCOL before a client may send one: set here for sessions from now on.
 */
function attachHttp2(server: AnyHttp2Server, upsocket: UpsocketServer, filter: ((request: IncomingMessage) => boolean) | undefined): void {
  server.updateSettings({ enableConnectProtocol: true });
  server.on('connect', (request: Http2ServerRequest, response: Http2ServerResponse) => {
    const alone = server.listenerCount('connect') === 1;
    const protocol = request.headers[':protocol'] as string | undefined;
    if (protocol !== 'websocket' || (filter !== undefined && !filter(request as unknown as IncomingMessage))) {
      // Another 'connect' listener may serve it; alone, say what Node would have said.
      if (alone) answerOtherConnect(response.stream, protocol);
      return;
    }
    const upgrade = new H2Upgrade(upsocket, server, request, response);
    if (alone) upgrade.route();
    else setImmediate(routeH2Upgrade, upgrade);
  });
}

/** @internal Whether `attach()` was called for `server` (by any copy of upsocket in the process). */
export function isAttached(server: HttpServer | HttpsServer | AnyHttp2Server): boolean {
  return attached.has(server);
}

function routeUpgrade(upgrade: Upgrade): void {
  upgrade.route();
}

/**
 * Routes the server's WebSocket upgrades through its own request handling: each upgrade request
 * goes to the server's `'request'` listeners (your Express/Koa/Next app or plain handler) with a
 * response bound to the raw socket, so middleware runs before any 101. A route calls `open()` to
 * accept; anything else the app answers goes back as HTTP. Call it once per server.
 *
 * On a `node:http2` server (`createSecureServer`, `allowHTTP1` too, or `createServer`) it also
 * routes RFC 8441 extended CONNECTs (a browser's WebSocket on its page's HTTP/2 connection): it
 * turns on `enableConnectProtocol` for sessions from now on (so call it before `listen()`), and
 * hands each one to the `'request'` listeners as a GET whose `open()` answers `:status 200`.
 *
 * @example
 * const server = http.createServer(app)
 * const upsocket = attach(server, { maxMessageSize: 64 * 1024 })
 * server.listen(3000)
 *
 * @example
 * const server = http2.createSecureServer({ key, cert, allowHTTP1: true }, app)
 * attach(server) // HTTP/1.1 upgrades and HTTP/2 streams, one port
 */
export function attach(server: HttpServer | HttpsServer | AnyHttp2Server, options?: AttachOptions): UpsocketServer {
  if (!(server instanceof NetServer)) {
    const what = typeof server === 'function' ? 'a function (an app? pass http.createServer(app))' : describeValue(server);
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', `attach(server): server must be the http.Server, https.Server or node:http2 server the app listens on, got ${what}`);
  }
  assertKnownOptions('attach()', options, attachOptions.keys);
  const existing = attached.get(server);
  if (existing !== undefined) {
    if (options === undefined) return existing;
    throw new UpsocketError('UPSOCKET_ALREADY_ATTACHED', 'attach(server, options) was called twice for one server: pass the options to the first call');
  }
  const { filter, maxPendingUpgrades, upgradesPerSecond, upgradeBurst, ...settings } = attachOptions.resolve('attach()', options);
  if (upgradeBurst !== undefined && upgradesPerSecond === undefined) {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'attach(): upgradeBurst is the burst of upgradesPerSecond: give upgradesPerSecond too');
  }
  const admission = Admission.from({ maxPendingUpgrades, upgradesPerSecond, upgradeBurst, retryAfter: settings.retryAfter });
  const upsocket = new UpsocketServer(settings, admission);
  if (isHttp2Server(server)) attachHttp2(server, upsocket, filter);
  // HTTP/1.1 upgrades too: an http2 secure server with allowHTTP1 serves both on one port.
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (filter !== undefined && !filter(request)) return;
    const upgrade = new Upgrade(upsocket, server as HttpServer, request, socket as Socket, head);
    // Alone on the server: nobody else can answer it, route it now. Otherwise defer past the
    // other 'upgrade' listeners and the callbacks they queue (engine.io runs its middleware on
    // later ticks), so one that answers without real waiting keeps its upgrade.
    if (server.listenerCount('upgrade') === 1) upgrade.route();
    else setImmediate(routeUpgrade, upgrade);
  });
  attached.set(server, upsocket);
  return upsocket;
}
