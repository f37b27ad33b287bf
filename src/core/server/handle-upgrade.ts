import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { UpsocketError } from '../connection/errors.js';
import type { Handler } from '../connection/lifetime.js';
import { isWebSocketUpgrade, type Refusal } from './handshake.js';
import { internalError, writeRawRefusal } from './http-answer.js';
import { openOptions, type OpenOptions, type Settings } from './options.js';
import { publishUpgrade } from './publish.js';
import { sharedWeakMap } from './registry.js';
import { upgradeHeaderLines } from './upgrade-headers.js';
import type { Reporter } from './reporter.js';
import { destroyOnError, UpsocketServer } from './server.js';

const notWebSocket: Refusal = Object.freeze({ status: 400, reason: 'Missing "Upgrade: websocket" header' });

// The same map attach() keeps (registry names are shared): an attached server's upgrades handled
// here join its UpsocketServer, with attach()'s options as defaults.
const attached = sharedWeakMap<HttpServer | HttpsServer, UpsocketServer>('attached');
const hosts = sharedWeakMap<NetServer, UpsocketServer>('handleUpgrade hosts');
let hostWithoutServer: UpsocketServer | undefined;

/**
 * The `UpsocketServer` that holds the connections `handleUpgrade()` opens on `socket`: the one
 * `attach()` made for its server, else one per server made here, else (a socket handed over by a
 * platform, with no Node server behind it) one for the process.
 */
export function hostFor(socket: Duplex | undefined): UpsocketServer {
  const server = (socket as (Partial<Socket> & { server?: unknown }) | undefined)?.server;
  if (!(server instanceof NetServer)) return (hostWithoutServer ??= new UpsocketServer(openOptions.defaults));
  const host = attached.get(server as HttpServer) ?? hosts.get(server);
  if (host !== undefined) return host;
  const created = new UpsocketServer(openOptions.defaults);
  hosts.set(server, created);
  return created;
}

/** Without a request and a socket there is nobody to answer: only a throw can say so. */
function assertTriple(request: unknown, socket: unknown): void {
  if (typeof (request as IncomingMessage | null)?.headers !== 'object') {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', "handleUpgrade(request, socket, head, handler): request must be the 'upgrade' event's http.IncomingMessage");
  }
  if (typeof (socket as Duplex | null)?.write !== 'function' || typeof (socket as Duplex).on !== 'function') {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', "handleUpgrade(request, socket, head, handler): socket must be the 'upgrade' event's socket");
  }
}

function refuse(socket: Duplex, request: IncomingMessage, refusal: Refusal, reporter: Reporter): void {
  writeRawRefusal(socket as Socket, refusal);
  reporter.refusal(request, refusal);
}

/**
 * Accepts a WebSocket upgrade you already hold, from your own `'upgrade'` listener or a platform
 * that hands over `(request, socket, head)`, without `attach()`: the same handshake and origin
 * checks, connection caps, rate limit, heartbeat and `Connection` as `open()` (no app middleware
 * runs: there is none on this path). A refused upgrade is answered over HTTP and told to
 * `onRefuse`. A wrong handler or option, or a `connectionsPerClient.key` that throws, is answered
 * 500 and reported to `onError` (this call's, else the server's) rather than thrown (a throw in an
 * `'upgrade'` listener would crash the process); only a missing request or
 * socket, which leaves nobody to answer, throws `UPSOCKET_INVALID_OPTION`. Returns the
 * `UpsocketServer` holding the connection (the same one for every upgrade of one server), for
 * `close()` at shutdown.
 *
 * @example
 * const server = http.createServer(app)
 * server.on('upgrade', (req, socket, head) => {
 *   if (req.url === '/live') handleUpgrade(req, socket, head, (connection) => connection.sendText('hi'))
 *   else socket.destroy()
 * })
 */
export function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, handler: Handler, options?: OpenOptions): UpsocketServer {
  assertTriple(request, socket);
  // Counted like attach()'s upgrades (channel, stats(), OTel, NODE_DEBUG), so every refusal and
  // open below has its upgrade.
  publishUpgrade(request);
  const host = hostFor(socket);
  socket.on('error', destroyOnError);
  let settings: Settings | undefined;
  let check;
  try {
    if (typeof handler !== 'function') throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'handleUpgrade(request, socket, head, handler): the handler must be a function');
    settings = host.settingsFor(options, 'handleUpgrade()');
    // The caps' check runs the app's connectionsPerClient key function, which may throw too.
    check = isWebSocketUpgrade(request.headers) ? host.check(request, settings) : notWebSocket;
  } catch (error) {
    // The options may be what is wrong; their onError and onRefuse still hear about it when they
    // are functions (there is no route to throw into: this is the app's 'upgrade' listener).
    const reporter = settings === undefined ? host.reporter.withCallbacksOf(options) : host.reporterFor(settings);
    refuse(socket, request, internalError, reporter);
    reporter.error(error, request, 'handling a WebSocket upgrade (handleUpgrade)');
    return host;
  }
  if ('status' in check) {
    refuse(socket, request, check, host.reporterFor(settings));
    return host;
  }
  // The client left before we got to it: there is nobody to answer.
  if (socket.destroyed || !socket.readable || !socket.writable) {
    socket.destroy();
    return host;
  }
  // No response here: the 101's extra headers are the `headers` option's only.
  const headerLines = settings.headers === undefined ? undefined : upgradeHeaderLines(undefined, settings.headers, request);
  host.handOver(request, socket as Socket, head, settings, host.reporterFor(settings), handler, check, headerLines);
  return host;
}
