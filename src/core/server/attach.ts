import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { UpsocketError } from '../connection/errors.js';
import { defineOptions } from '../connection/define-options.js';
import { assertKnownOptions, describeValue } from '../connection/option-keys.js';
import { openOptions, type OpenOptions, type Settings } from './options.js';
import { sharedWeakMap } from './registry.js';
import { UpsocketServer } from './server.js';
import { Upgrade } from './upgrade.js';

/** Options of `attach()`: defaults for every `open()`, plus which upgrades upsocket routes. */
export interface AttachOptions extends OpenOptions {
  /**
   * Upgrades for which this returns false are left untouched for other `'upgrade'` listeners
   * (socket.io, another ws server). Needed only for listeners that answer asynchronously: an
   * upgrade another listener answers synchronously is left alone anyway. Default: every upgrade.
   */
  filter?: ((request: IncomingMessage) => boolean) | undefined;
}

/** @internal The options of `attach()`: those of `open()`, plus `filter`. */
export const attachOptions = defineOptions<Settings & Pick<AttachOptions, 'filter'>>({
  ...openOptions.specs,
  filter: {
    default: undefined,
    check: (filter) => {
      if (typeof filter !== 'function') {
        throw new UpsocketError('UPSOCKET_INVALID_OPTION', `attach(): filter must be a function (request) => boolean, got ${describeValue(filter)}`);
      }
    },
  },
});

const attached = sharedWeakMap<HttpServer | HttpsServer, UpsocketServer>('attached');

/** @internal Whether `attach()` was called for `server` (by any copy of upsocket in the process). */
export function isAttached(server: HttpServer | HttpsServer): boolean {
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
 * @example
 * const server = http.createServer(app)
 * const upsocket = attach(server, { maxMessageSize: 64 * 1024 })
 * server.listen(3000)
 */
export function attach(server: HttpServer | HttpsServer, options?: AttachOptions): UpsocketServer {
  if (!(server instanceof NetServer)) {
    const what = typeof server === 'function' ? 'a function (an app? pass http.createServer(app))' : describeValue(server);
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', `attach(server): server must be the http.Server or https.Server the app listens on, got ${what}`);
  }
  assertKnownOptions('attach()', options, attachOptions.keys);
  const existing = attached.get(server);
  if (existing !== undefined) {
    if (options === undefined) return existing;
    throw new UpsocketError('UPSOCKET_ALREADY_ATTACHED', 'attach(server, options) was called twice for one server: pass the options to the first call');
  }
  const { filter, ...settings } = attachOptions.resolve('attach()', options);
  const upsocket = new UpsocketServer(settings);
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (filter !== undefined && !filter(request)) return;
    const upgrade = new Upgrade(upsocket, server, request, socket as Socket, head);
    // Alone on the server: nobody else can answer it, route it now. Otherwise defer past the
    // other 'upgrade' listeners and the callbacks they queue (engine.io runs its middleware on
    // later ticks), so one that answers without real waiting keeps its upgrade.
    if (server.listenerCount('upgrade') === 1) upgrade.route();
    else setImmediate(routeUpgrade, upgrade);
  });
  attached.set(server, upsocket);
  return upsocket;
}
