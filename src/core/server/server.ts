import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { assertSendableClose } from '../connection/close-codes.js';
import { Connection } from '../connection/connection.js';
import { checkHandshake } from './handshake.js';
import { Heartbeat } from '../connection/heartbeat.js';
import { writeRefusal } from './http-answer.js';
import { runHandler, type Handler } from '../connection/lifetime.js';
import { defineOptions, type Resolved } from '../connection/define-options.js';
import { resolveSettings, type OpenOptions, type Settings } from './options.js';
import { markOpened, pendingUpgradeOf, type PendingUpgrade } from './pending-upgrade.js';
import { reportRefusal } from './refusals.js';
import { WsTransport } from '../connection/ws/ws-transport.js';

/** Options of `UpsocketServer.close()`. */
export interface ShutdownOptions {
  /** Close code sent to every connection. Default: 1001 (going away). */
  code?: number | undefined;
  /** Close reason sent with it. Default: ''. */
  reason?: string | undefined;
  /** How long handlers get to finish, in ms, before the remaining sockets are dropped. Default: 10000. */
  timeout?: number | undefined;
}

// The code and reason are checked by assertSendableClose(), with the close code's own error code.
const shutdownOptions = defineOptions<Resolved<ShutdownOptions>>({
  code: { default: 1001 },
  reason: { default: '' },
  timeout: { default: 10_000 },
});

// ws answers with the subprotocol our handshake checks chose; its own default would take the first offer.
function chosenProtocol(_offered: Set<string>, request: IncomingMessage): string | false {
  const upgrade = pendingUpgradeOf(request);
  return (upgrade?.state === 'routing' && upgrade.protocol) || false;
}

/**
 * What `attach(server)` returns: the open connections of one HTTP server and its graceful shutdown.
 *
 * @example
 * const upsocket = attach(server)
 * process.on('SIGTERM', async () => {
 *   await upsocket.close({ timeout: 5000 })
 *   server.close()
 * })
 */
export class UpsocketServer {
  readonly #defaults: Settings;
  readonly #connections = new Set<Connection>();
  readonly #wsServers = new Map<string, WebSocketServer>();
  readonly #heartbeats = new Map<number, Heartbeat>();
  readonly #idleWaiters = new Set<() => void>();
  #runningHandlers = 0;
  // Shared by every connection of this server: no closures per connection.
  readonly #forgetConnection = (connection: Connection): void => this.#forget(connection);
  readonly #handlerSettled = (): void => {
    this.#runningHandlers--;
    this.#notifyIdle();
  };
  #closing: Promise<void> | undefined;

  /** @internal Created by `attach()`, with its options resolved. */
  constructor(defaults: Settings) {
    this.#defaults = defaults;
  }

  /** The open connections (a live view: do not mutate). */
  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  /** True once `close()` was called: new upgrades are refused with 503. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /** @internal Completes or refuses an upgrade a route claimed with `open()`. */
  accept(request: IncomingMessage, upgrade: PendingUpgrade, handler: Handler, options: OpenOptions | undefined): void {
    // Resolve first: a bad option throws into the route, and the app can still answer over HTTP.
    const settings = resolveSettings(this.#defaults, options);
    const check = this.closing ? { status: 503, reason: 'Server is shutting down' } : checkHandshake(request, settings);
    if ('status' in check) {
      upgrade.state = 'answered';
      writeRefusal(upgrade.response, check);
      reportRefusal(settings.onRefuse, request, check);
      return;
    }
    const { socket, head } = upgrade;
    upgrade.response.detachSocket(socket);
    if (socket.destroyed || !socket.readable || !socket.writable) {
      // The client left (or another listener ended the socket) while the app was routing: there
      // is nobody to answer, and the response must not report a 101 that never happened.
      upgrade.state = 'answered';
      socket.destroy();
      return;
    }
    upgrade.protocol = check.protocol;
    // ws reads the chosen protocol back through chosenProtocol() while the record is 'routing'.
    this.#wsServerFor(settings).handleUpgrade(request, socket, head, (ws) => {
      this.#connect(ws, request, socket, settings, handler, check.protocol);
    });
    upgrade.state = 'opened';
    markOpened(request);
    // The HTTP exchange ended with ws's 101. Say so, so listeners waiting for this response (Koa's
    // on-finished, morgan, pino-http) stop watching a socket that belongs to ws now. Only after
    // state = 'opened': attach's own 'finish' listener would otherwise end the socket.
    upgrade.response.statusCode = 101;
    upgrade.response.emit('finish');
  }

  /**
   * Graceful shutdown: refuses new upgrades, sends a close frame with `code` to every connection
   * (their `read()` returns null), waits up to `timeout` for handlers to finish and sockets to
   * close, then drops the rest. Afterwards `server.close()` can complete.
   */
  close(options: ShutdownOptions = {}): Promise<void> {
    const { code, reason, timeout } = shutdownOptions.resolve('close()', options);
    assertSendableClose(code, reason);
    // A second call joins the first shutdown rather than starting (and waiting) again.
    this.#closing ??= this.#shutdown(code, reason, timeout);
    return this.#closing;
  }

  async #shutdown(code: number, reason: string, timeout: number): Promise<void> {
    for (const connection of this.#connections) void connection.close(code, reason);
    const finished = await this.#whenIdle(timeout, true);
    if (!finished) {
      for (const connection of this.#connections) connection.terminate();
      await this.#whenIdle(timeout, false);
    }
    for (const heartbeat of this.#heartbeats.values()) heartbeat.stop();
    this.#heartbeats.clear();
    for (const wsServer of this.#wsServers.values()) wsServer.close();
    this.#wsServers.clear();
  }

  #connect(ws: WebSocket, request: IncomingMessage, socket: Socket, settings: Settings, handler: Handler, protocol: string): void {
    socket.removeListener('error', destroyOnError);
    const connection = new Connection(new WsTransport(ws, socket), {
      request,
      protocol,
      sendHighWaterMark: settings.sendHighWaterMark,
      receiveHighWaterMark: settings.receiveHighWaterMark,
      onClose: this.#forgetConnection,
    });
    this.#connections.add(connection);
    if (settings.heartbeat !== false) this.#heartbeatFor(settings.heartbeat).add(connection);
    this.#runningHandlers++;
    void runHandler(connection, handler, settings.onError).then(this.#handlerSettled);
  }

  #forget(connection: Connection): void {
    this.#connections.delete(connection);
    for (const heartbeat of this.#heartbeats.values()) heartbeat.delete(connection);
    this.#notifyIdle();
  }

  #wsServerFor(settings: Settings): WebSocketServer {
    // ws fixes the payload limit and compression per server: keep one per combination in use.
    const key = `${settings.maxMessageSize}:${settings.compression}`;
    let wsServer = this.#wsServers.get(key);
    if (wsServer === undefined) {
      wsServer = new WebSocketServer({
        noServer: true,
        clientTracking: false,
        maxPayload: settings.maxMessageSize,
        perMessageDeflate: settings.compression,
        handleProtocols: chosenProtocol,
      });
      this.#wsServers.set(key, wsServer);
    }
    return wsServer;
  }

  #heartbeatFor(interval: number): Heartbeat {
    let heartbeat = this.#heartbeats.get(interval);
    if (heartbeat === undefined) {
      heartbeat = new Heartbeat(interval);
      this.#heartbeats.set(interval, heartbeat);
    }
    return heartbeat;
  }

  #whenIdle(timeout: number, includeHandlers: boolean): Promise<boolean> {
    const idle = (): boolean => this.#connections.size === 0 && (!includeHandlers || this.#runningHandlers === 0);
    if (idle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!idle()) return;
        clearTimeout(timer);
        this.#idleWaiters.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idleWaiters.delete(check);
        resolve(false);
      }, timeout);
      this.#idleWaiters.add(check);
    });
  }

  #notifyIdle(): void {
    if (this.#idleWaiters.size === 0) return;
    for (const check of [...this.#idleWaiters]) check();
  }
}

/** Until ws owns a socket, an error on it (a reset mid-handshake) just ends it. */
export function destroyOnError(this: Socket): void {
  this.destroy();
}
