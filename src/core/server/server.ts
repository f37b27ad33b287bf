import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { assertSendableClose } from '../connection/close-codes.js';
import { Connection } from '../connection/connection.js';
import { Heartbeat } from '../connection/heartbeat.js';
import { runHandler, type Handler } from '../connection/lifetime.js';
import { countPendingUpgrade, publishClose, publishOpen } from './publish.js';
import type { Admission } from './admission.js';
import { defaultSpread, sendCloses } from './drain.js';
import { WsTransport } from '../connection/ws/ws-transport.js';
import { noNegotiation, webSocketOverStream } from '../connection/ws/stream-websocket.js';
import { RateLimitedTransport } from '../connection/rate-limit.js';
import { ConnectionCaps } from './caps.js';
import { checkHandshake, type Acceptance, type Refusal } from './handshake.js';
import { openOptions, type OpenOptions, type Settings } from './options.js';
import { Reporter } from './reporter.js';
import { settledRequest } from './settled-request.js';
import { shutdownOptions, type ShutdownOptions } from './shutdown-options.js';
import { WsServers } from './ws-servers.js';

/**
 * What `attach(server)` returns: the open connections of one HTTP server and its graceful shutdown.
 *
 * @example
 * const upsocket = attach(server)
 * process.once('SIGTERM', async () => {
 *   await upsocket.close({ timeout: 5000 })
 *   server.close()
 * })
 */
export class UpsocketServer {
  readonly #defaults: Settings;
  readonly #reporter: Reporter;
  readonly #connections = new Set<Connection>();
  readonly #caps = new ConnectionCaps();
  // ws asks for the subprotocol inside handleUpgrade(), synchronously: the one handOver() got.
  #protocolHandedOver = '';
  readonly #wsServers = new WsServers(() => this.#protocolHandedOver || false);
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
  /** What upgrades get once `close()` was called. */
  #shutdownRefusal: Refusal | undefined;
  /** `attach()`'s bounds on upgrades routed at once or per second; undefined when none is set. */
  readonly #admission: Admission | undefined;

  /** @internal Created by `attach()`, with its options resolved. */
  constructor(defaults: Settings, admission?: Admission) {
    this.#defaults = defaults;
    this.#reporter = new Reporter(defaults.onError, defaults.onRefuse);
    this.#admission = admission;
  }

  /** The open connections (a live view: do not mutate). */
  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  /** True once `close()` was called: new upgrades are refused with 503. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * @internal Whether `attach()` may route an upgrade through the app: the 503 while shutting
   * down or over `maxPendingUpgrades`/`upgradesPerSecond`, else undefined, and the upgrade is
   * pending until `upgradeSettled()`.
   */
  admit(): Refusal | undefined {
    if (this.#shutdownRefusal !== undefined) return this.#shutdownRefusal;
    if (this.#admission !== undefined) {
      const shed = this.#admission.admit();
      if (shed !== undefined) return shed;
    }
    countPendingUpgrade(1);
    return undefined;
  }

  /** @internal An upgrade `admit()` let in left the app: opened, answered, refused, or its client left. */
  upgradeSettled(): void {
    this.#admission?.release();
    countPendingUpgrade(-1);
  }

  /** @internal Where this server's errors and refusals go: `attach()`'s `onError` and `onRefuse`. */
  get reporter(): Reporter {
    return this.#reporter;
  }

  /**
   * @internal The settings of one `open()` (or `handleUpgrade()`, as `caller` names it in
   * messages): its options over `attach()`'s. Throws on a bad option.
   */
  settingsFor(options: OpenOptions | undefined, caller = 'open()'): Settings {
    return openOptions.resolve(caller, options, this.#defaults);
  }

  /** @internal The server's reporter, unless `settings` name an `onError` or `onRefuse` of their own. */
  reporterFor(settings: Settings): Reporter {
    return this.#reporter.reportsFor(settings) ? this.#reporter : new Reporter(settings.onError, settings.onRefuse);
  }

  /**
   * @internal Whether an upgrade may open: not while shutting down, then the handshake checks,
   * then the connection caps (`route`: what the adapter names the route by, for a route's own
   * `maxConnections`). What it accepts must go to `handOver()` in the same synchronous run, which
   * is what keeps the caps' counts exact.
   */
  check(request: IncomingMessage, settings: Settings, route?: unknown, checks: typeof checkHandshake = checkHandshake): Refusal | Acceptance {
    if (this.#shutdownRefusal !== undefined) return this.#shutdownRefusal;
    const handshake = checks(request, settings);
    if ('status' in handshake) return handshake;
    if (settings.maxConnections === undefined && settings.connectionsPerClient === undefined) return handshake;
    const counted = this.#caps.check(request, settings, this.#defaults.maxConnections, this.#connections.size, route);
    return 'status' in counted ? counted : { protocol: handshake.protocol, negotiation: handshake.negotiation, counted };
  }

  /**
   * @internal Gives an upgrade that `check()` accepted to ws, which answers 101 with the
   * acceptance's protocol (and `headerLines` after its own, see `upgradeHeaderLines()`) and calls
   * back with the WebSocket; the connection joins this server (and its caps' counts) and `handler` runs.
   */
  handOver(
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    settings: Settings,
    reporter: Reporter,
    handler: Handler,
    acceptance: Acceptance,
    headerLines: readonly string[] | undefined,
  ): void {
    const { protocol, counted } = acceptance;
    this.#protocolHandedOver = protocol;
    try {
      this.#wsServers.complete(settings, request, socket, head, protocol, headerLines, (ws) => {
        const connection = this.#connect(ws, request, settledRequest(request), socket, settings, reporter, handler, protocol);
        if (counted !== undefined) this.#caps.count(connection, counted);
      });
    } finally {
      this.#protocolHandedOver = '';
    }
  }

  /**
   * @internal `handOver()` for an HTTP/2 extended CONNECT that `check()` accepted (with
   * `checkH2Handshake`): answers `:status 200` on the stream (subprotocol, permessage-deflate,
   * `headers`), and ws frames the WebSocket over the stream from then on.
   */
  handOverStream(
    request: IncomingMessage,
    stream: ServerHttp2Stream,
    settings: Settings,
    reporter: Reporter,
    handler: Handler,
    acceptance: Acceptance,
    headers: OutgoingHttpHeaders | undefined,
  ): void {
    const { protocol, counted, negotiation = noNegotiation } = acceptance;
    const answer: OutgoingHttpHeaders = { ...headers, ':status': 200 };
    if (protocol !== '') answer['sec-websocket-protocol'] = protocol;
    if (negotiation.header !== undefined) answer['sec-websocket-extensions'] = negotiation.header;
    stream.respond(answer);
    const ws = webSocketOverStream(stream, true, { maxPayload: settings.maxMessageSize, protocol, negotiation });
    // The compat request is kept as it is: it holds the stream, which the connection holds anyway.
    const connection = this.#connect(ws, request, request, stream, settings, reporter, handler, protocol);
    if (counted !== undefined) this.#caps.count(connection, counted);
  }

  /**
   * Graceful shutdown (a drain): refuses new upgrades at once (503 with `Retry-After`), sends a
   * close frame with `code` (1012) to every connection, spread over `spread` ms in random order
   * (their `read()` returns null), waits up to `timeout` from the last frame for handlers to
   * finish and sockets to close, then drops the rest. Afterwards `server.close()` can complete.
   * A second call returns the first one's promise.
   */
  close(options: ShutdownOptions = {}): Promise<void> {
    const { code, reason, timeout, retryAfter = this.#defaults.retryAfter, spread = defaultSpread(this.#connections.size) } = shutdownOptions.resolve('close()', options);
    assertSendableClose(code, reason);
    this.#shutdownRefusal ??= Object.freeze({ status: 503, reason: 'Server is shutting down', headers: Object.freeze({ 'Retry-After': String(retryAfter) }) });
    // A second call joins the first shutdown rather than starting (and waiting) again.
    this.#closing ??= this.#shutdown(code, reason, timeout, spread);
    return this.#closing;
  }

  async #shutdown(code: number, reason: string, timeout: number, spread: number): Promise<void> {
    await sendCloses(this.#connections, code, reason, spread);
    // Nothing opens once close() began (check() refuses, and ws's 101 is synchronous with it); this
    // guard closes only what sendCloses() did not (a connection it closed is no longer 'open').
    for (const connection of this.#connections) if (connection.state === 'open') void connection.close(code, reason);
    const finished = await this.#whenIdle(timeout, true);
    if (!finished) {
      for (const connection of this.#connections) connection.terminate();
      await this.#whenIdle(timeout, false);
    }
    for (const heartbeat of this.#heartbeats.values()) heartbeat.stop();
    this.#heartbeats.clear();
    this.#wsServers.close();
  }

  #connect(
    ws: WebSocket,
    request: IncomingMessage,
    connectionRequest: IncomingMessage,
    socket: Duplex,
    settings: Settings,
    reporter: Reporter,
    handler: Handler,
    protocol: string,
  ): Connection {
    socket.removeListener('error', destroyOnError);
    const transport = new WsTransport(ws, socket);
    const rateLimit = settings.rateLimit;
    const connection = new Connection(rateLimit === undefined ? transport : new RateLimitedTransport(transport, rateLimit), {
      request: connectionRequest,
      protocol,
      sendHighWaterMark: settings.sendHighWaterMark,
      receiveHighWaterMark: settings.receiveHighWaterMark,
      onClose: this.#forgetConnection,
    });
    this.#connections.add(connection);
    publishOpen(connection, protocol, request);
    if (settings.heartbeat !== false) this.#heartbeatFor(settings.heartbeat).add(connection);
    this.#runningHandlers++;
    void runHandler(connection, handler, reporter.onError, this.#handlerSettled);
    return connection;
  }

  #forget(connection: Connection): void {
    this.#connections.delete(connection);
    this.#caps.release(connection);
    publishClose(connection);
    for (const heartbeat of this.#heartbeats.values()) heartbeat.delete(connection);
    this.#notifyIdle();
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
