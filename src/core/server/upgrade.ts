import { EventEmitter } from 'node:events';
import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { UpsocketError } from '../connection/errors.js';
import type { Handler } from '../connection/lifetime.js';
import { debugUpgradeEnd, publishUpgrade } from './publish.js';
import type { Refusal } from './handshake.js';
import { internalError, noRoute, writeRawRefusal, writeRefusal } from './http-answer.js';
import type { OpenOptions } from './options.js';
import { sharedWeakMap } from './registry.js';
import { upgradeHeaderLines } from './upgrade-headers.js';
import type { Reporter } from './reporter.js';
import { destroyOnError, type UpsocketServer } from './server.js';

/**
 * - `waiting`: `attach()` got the upgrade and deferred it one `setImmediate`.
 * - `routing`: the app's request listeners have it, with a response (bound to the raw socket once
 *   the app's synchronous part ran without opening it).
 * - `answered`: the app answered over HTTP (its response finished).
 * - `refused`: upsocket answered with an HTTP error of its own (and told `onRefuse`).
 * - `abandoned`: nobody answers: another `'upgrade'` listener took the socket, or the client left.
 * - `opened`: a route called `open()`, the handshake checks passed and ws owns the socket.
 */
type UpgradeState = 'waiting' | 'routing' | 'answered' | 'refused' | 'abandoned' | 'opened';

const noBytes = Buffer.alloc(0);
// Called through the prototype: a method look-up on a response whose prototype Express replaced
// misses every inline cache.
const listenerCount = EventEmitter.prototype.listenerCount;

// The upgrade a response answers, for the one 'finish' listener all responses share.
const upgradeOfResponse = Symbol('upsocket.upgrade');
interface UpgradeResponse extends ServerResponse {
  [upgradeOfResponse]: Upgrade;
}

/** What `open()` finds for a request `attach()` routed: the upgrade, or how it already ended. */
export interface UpgradeRecord {
  /**
   * Opens the upgrade for `open()`, or throws `UPSOCKET_ALREADY_HANDLED` when it already ended.
   * `route` is what the adapter names the route by, for a route's own `maxConnections`.
   */
  complete(handler: Handler, options: OpenOptions | undefined, request: IncomingMessage, route?: unknown): void;
}

/**
 * The record of an upgrade that ended: it keeps nothing of the exchange. V8's scavenger treats the
 * values of a WeakMap that has reached the old generation as strong, so an `Upgrade` left in the
 * map after its connection closed would keep the socket, request and response of every recent
 * handshake alive into the old generation, until the next full GC.
 */
class EndedUpgrade implements UpgradeRecord {
  readonly #outcome: string;

  constructor(outcome: string) {
    this.#outcome = outcome;
  }

  complete(_handler: Handler, _options: OpenOptions | undefined, request: IncomingMessage): void {
    throw new UpsocketError('UPSOCKET_ALREADY_HANDLED', `open() was called for ${request.method} ${request.url}, which was already ${this.#outcome}`);
  }
}

/** The record of each state an upgrade ends in. */
const ended: Record<Exclude<UpgradeState, 'waiting' | 'routing'>, EndedUpgrade> = {
  opened: new EndedUpgrade('opened'),
  answered: new EndedUpgrade('answered over HTTP'),
  refused: new EndedUpgrade('answered over HTTP'),
  abandoned: new EndedUpgrade('dropped (its client left)'),
};

// Keyed by the request object (frameworks swap its prototype but keep its identity), and shared
// by every copy of upsocket in the process: attach() of the ESM build, open() of the CJS build.
// open() only calls the method of what it finds, so a record of the other copy works as well.
const upgrades = sharedWeakMap<IncomingMessage, UpgradeRecord>('upgrades');

/**
 * @internal One WebSocket upgrade on its way from `attach()`'s `'upgrade'` listener to ws, or to
 * an HTTP answer. Its methods are the transitions; no one else reads or writes its state:
 *
 *   waiting ──route()──▶ routing ──complete()──▶ opened
 *      │                    ├──the app's response finished──▶ answered
 *      ├──refuse()──────────┴──refuse() (503/404 raw, 500, handshake checks)──▶ refused
 *      └──another listener took it / the client left──────────────────────────▶ abandoned
 */
export class Upgrade implements UpgradeRecord {
  readonly #host: UpsocketServer;
  readonly #server: HttpServer | HttpsServer;
  readonly #request: IncomingMessage;
  readonly #socket: Socket;
  #head: Buffer;
  /** The app's response, from route() until the socket goes to ws or is dropped. */
  #response: ServerResponse | undefined = undefined;
  /** Whether `#response` is bound to the socket (see `route()`). */
  #bound = false;
  #state: UpgradeState = 'waiting';
  /** Whether `admit()` let it into the app and it still counts as pending there. */
  #admitted = false;
  /** Listens for the client leaving while the app holds the upgrade (only then: see `route()`). */
  #clientGone: (() => void) | undefined = undefined;

  /** The upgrade `attach()` routed for `request` (by any copy of upsocket), if any. */
  static of(request: IncomingMessage): UpgradeRecord | undefined {
    return upgrades.get(request);
  }

  constructor(host: UpsocketServer, server: HttpServer | HttpsServer, request: IncomingMessage, socket: Socket, head: Buffer) {
    this.#host = host;
    this.#server = server;
    this.#request = request;
    this.#socket = socket;
    this.#head = head;
    // Until ws owns the socket, an error on it (a reset mid-handshake) just ends it.
    socket.on('error', destroyOnError);
    publishUpgrade(request);
  }

  /**
   * waiting → routing: hands the request to the server's `'request'` listeners (the app) with an
   * ordinary response, bound to the raw socket once the app's synchronous part has run, so
   * whatever the app does short of `open()` (a 401 from auth middleware, a 404, a redirect)
   * reaches the client as HTTP. A route that opens synchronously (the common case) never binds it:
   * binding and unbinding a response whose prototype Express replaced costs lookups that miss
   * every inline cache (its hidden class is new), about 3 % of a handshake.
   */
  route(): void {
    const socket = this.#socket;
    // Another 'upgrade' listener ran in the same emit and already answered: the socket is theirs.
    if (socket.destroyed || !socket.writable || socket.bytesWritten > 0) return this.#abandon();
    // Shutting down, or over the admission bounds: a raw 503 before the app spends anything on it.
    const refusal = this.#host.admit();
    if (refusal !== undefined) return this.refuse(refusal);
    this.#admitted = true;
    if (this.#server.listenerCount('request') === 0) return this.refuse(noRoute);
    const request = this.#request;
    const response = new ServerResponse(request);
    response.shouldKeepAlive = false;
    (response as UpgradeResponse)[upgradeOfResponse] = this;
    response.on('finish', Upgrade.#responseOnFinish);
    this.#response = response;
    this.#state = 'routing';
    upgrades.set(request, this);
    try {
      this.#server.emit('request', request, response);
    } catch (error) {
      // A request listener that throws would crash a plain HTTP server; here it costs one 500.
      if (this.#state === 'routing' && !response.headersSent) this.refuse(internalError);
      this.#host.reporter.error(error, request, `routing the WebSocket upgrade ${request.method} ${request.url}`);
    }
    // Still routing (the app awaits something), or answered or refused while routing (the answer
    // waits in the response): from here on the response writes to the socket.
    if (this.#state === 'routing' || this.#state === 'refused') {
      this.#bound = true;
      response.assignSocket(socket);
      // A client that leaves while the app holds its upgrade frees its place among the pending
      // ones at once: an app that never answers it must not hold it for good. 'end' too: after
      // 'upgrade' Node no longer ends a half-closed socket, and a client's FIN means it left.
      if (this.#state === 'routing') {
        const clientGone = (this.#clientGone = () => this.#settle());
        socket.on('end', clientGone);
        socket.on('close', clientGone);
      }
    }
  }

  /**
   * waiting|routing → refused: answers with `refusal` (on the raw socket before the app saw the
   * request, else through its response) and tells `onRefuse` through `reporter`.
   */
  refuse(refusal: Refusal, reporter: Reporter = this.#host.reporter): void {
    const response = this.#response;
    this.#end('refused');
    if (response === undefined) writeRawRefusal(this.#socket, refusal);
    else writeRefusal(response, refusal);
    reporter.refusal(this.#request, refusal);
  }

  /**
   * routing → opened, for `open()`: resolves `options` over the server's (a bad option throws into
   * the route, which can still answer over HTTP), runs the handshake checks, and either refuses or
   * hands the socket to ws, which completes the 101 and runs `handler`.
   */
  complete(handler: Handler, options: OpenOptions | undefined, _request?: IncomingMessage, route?: unknown): void {
    const request = this.#request;
    const response = this.#response;
    // `_header` rather than `headersSent`: Express's setHeader() read it already, so the read hits
    // the inline cache, where the getter's look-up through the replaced prototype would miss.
    if (this.#state !== 'routing' || response === undefined || (response as { _header?: unknown })._header != null) {
      // Headers already written while routing: as good as answered.
      return ended[this.#state === 'routing' || this.#state === 'waiting' ? 'answered' : this.#state].complete(handler, options, request);
    }
    const host = this.#host;
    const settings = host.settingsFor(options);
    const reporter = host.reporterFor(settings);
    const check = host.check(request, settings, route);
    if ('status' in check) return this.refuse(check, reporter);
    const socket = this.#socket;
    if (this.#bound) response.detachSocket(socket);
    // The client left (or another listener ended the socket) while the app was routing: there
    // is nobody to answer, and the response must not report a 101 that never happened.
    if (socket.destroyed || !socket.readable || !socket.writable) return this.#abandon();
    this.#end('opened');
    // What the app set on the response before open() (a rolling session's cookie, a request id)
    // goes out with the 101, as it would have with any answer of the app's.
    host.handOver(request, socket, this.#head, settings, reporter, handler, check, upgradeHeaderLines(response, settings.headers, request));
    // The request lives as long as its connection (`connection.request`), and this record with
    // it: it keeps neither the response nor the bytes ws took.
    this.#response = undefined;
    this.#head = noBytes;
    // The HTTP exchange ended with ws's 101. Say so, so listeners waiting for this response (Koa's
    // on-finished, morgan, pino-http) stop watching a socket that belongs to ws now; our own
    // 'finish' listener sees 'opened' and leaves the socket alone, so without others nobody hears it.
    if (listenerCount.call(response, 'finish') > 1) {
      response.statusCode = 101;
      response.emit('finish');
    }
  }

  /**
   * waiting|routing → abandoned: lets go of the socket without answering. Before routing it is
   * another `'upgrade'` listener's (our error listener goes); during routing the client left, and
   * nobody else will end it.
   */
  #abandon(): void {
    if (this.#state === 'waiting') this.#socket.removeListener('error', destroyOnError);
    else this.#socket.destroy();
    this.#end('abandoned');
    this.#response = undefined;
    debugUpgradeEnd(this.#request, 'abandoned: another upgrade listener took the socket or the client left');
  }

  /** routing|refused → answered|refused: the response went out as HTTP; the socket ends after it. */
  #finished(response: ServerResponse): void {
    if (this.#state === 'opened') return;
    if (this.#state === 'routing') this.#end('answered');
    if (this.#state === 'answered') debugUpgradeEnd(this.#request, `answered by the app over HTTP: ${response.statusCode}`);
    if (this.#bound) response.detachSocket(this.#socket);
    this.#socket.destroySoon();
  }

  /** Into a final state; a routed request's record becomes that state's `EndedUpgrade`. */
  #end(state: keyof typeof ended): void {
    if (this.#state !== 'waiting') upgrades.set(this.#request, ended[state]);
    this.#state = state;
    this.#settle();
  }

  /** No longer pending in the app (ended, or its client left): once. */
  #settle(): void {
    if (!this.#admitted) return;
    this.#admitted = false;
    this.#host.upgradeSettled();
    const clientGone = this.#clientGone;
    if (clientGone !== undefined) {
      this.#clientGone = undefined;
      this.#socket.removeListener('end', clientGone);
      this.#socket.removeListener('close', clientGone);
    }
  }

  static #responseOnFinish(this: ServerResponse): void {
    (this as UpgradeResponse)[upgradeOfResponse].#finished(this);
  }

}

/** @internal Records `record` as what `open()` finds for `request` (the HTTP/2 path's upgrades). */
export function recordUpgrade(request: IncomingMessage, record: UpgradeRecord): void {
  upgrades.set(request, record);
}

/** @internal The record of an upgrade that ended in `state`: `open()` then throws `UPSOCKET_ALREADY_HANDLED`. */
export function endedUpgrade(state: keyof typeof ended): UpgradeRecord {
  return ended[state];
}
