import type { IncomingMessage } from 'node:http';
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from 'node:http2';
import type { Handler } from '../connection/lifetime.js';
import { checkH2Handshake } from './h2-handshake.js';
import type { Refusal } from './handshake.js';
import { internalError, noRoute, writeStreamRefusal } from './http-answer.js';
import type { OpenOptions } from './options.js';
import { debugUpgradeEnd, publishUpgrade } from './publish.js';
import type { Reporter } from './reporter.js';
import type { UpsocketServer } from './server.js';
import { upgradeHeaderObject } from './upgrade-headers.js';
import { endedUpgrade, recordUpgrade, type UpgradeRecord } from './upgrade.js';

type H2UpgradeState = 'waiting' | 'routing' | 'answered' | 'refused' | 'abandoned' | 'opened';


/** An HTTP/2 server: `node:http2`'s `createServer()` or `createSecureServer()`. */
export type AnyHttp2Server = Http2Server | Http2SecureServer;

/**
 * @internal One RFC 8441 extended CONNECT (`:protocol websocket`) on its way from `attach()`'s
 * `'connect'` listener through the app to a WebSocket over its stream: the HTTP/2 twin of
 * `Upgrade`, with the same states. The stream is the whole exchange (the session's other streams
 * go on whatever happens here), so an answer is a response on it, never a socket to end.
 *
 *   waiting ──route()──▶ routing ──complete()──▶ opened
 *      │                    ├──the app's response finished──▶ answered
 *      ├──refuse()──────────┴──refuse() (503/404, 500, handshake checks)──▶ refused
 *      └──another 'connect' listener answered / the client reset the stream──▶ abandoned
 */
export class H2Upgrade implements UpgradeRecord {
  readonly #host: UpsocketServer;
  readonly #server: AnyHttp2Server;
  readonly #request: Http2ServerRequest;
  readonly #response: Http2ServerResponse;
  #state: H2UpgradeState = 'waiting';
  /** Whether `admit()` let it into the app and it still counts as pending there. */
  #admitted = false;

  constructor(host: UpsocketServer, server: AnyHttp2Server, request: Http2ServerRequest, response: Http2ServerResponse) {
    this.#host = host;
    this.#server = server;
    this.#request = request;
    this.#response = response;
    publishUpgrade(request as unknown as IncomingMessage);
  }

  get #stream(): ServerHttp2Stream {
    return this.#response.stream;
  }

  /** waiting → routing: the app's `'request'` listeners get the CONNECT with its compat response. */
  route(): void {
    const stream = this.#stream;
    if (stream.destroyed || stream.headersSent) return this.#abandon();
    // Shutting down, or over attach()'s admission bounds: a 503 before the app spends anything on it.
    const refusal = this.#host.admit();
    if (refusal !== undefined) return this.refuse(refusal);
    this.#admitted = true;
    if (this.#server.listenerCount('request') === 0) return this.refuse(noRoute);
    const request = this.#request;
    const response = this.#response;
    this.#state = 'routing';
    // Shown to the app as the GET an HTTP/1.1 upgrade is, so the routes that serve those
    // (`router.get('/rooms/:room', …)` in Koa and node:http handlers that check the method) serve
    // this stream too; `:protocol` still tells it apart (the compat setter rewrites `:method`).
    (request as { method: string }).method = 'GET';
    recordUpgrade(request as unknown as IncomingMessage, this);
    response.once('finish', () => this.#finished());
    // The client reset the stream while the app holds it: no longer pending.
    response.once('close', () => {
      if (this.#state === 'routing') this.#end('abandoned');
    });
    try {
      this.#server.emit('request', request, response);
    } catch (error) {
      if (this.#state === 'routing' && !response.headersSent) this.refuse(internalError);
      this.#host.reporter.error(error, request as unknown as IncomingMessage, `routing the WebSocket CONNECT ${request.url}`);
    }
  }

  /** waiting|routing → refused: a response with the refusal's status on the stream, told to `onRefuse`. */
  refuse(refusal: Refusal, reporter: Reporter = this.#host.reporter): void {
    this.#end('refused');
    writeStreamRefusal(this.#stream, refusal);
    reporter.refusal(this.#request as unknown as IncomingMessage, refusal);
  }

  /** routing → opened, for `open()`: the checks, then `:status 200` and ws framing over the stream. */
  complete(handler: Handler, options: OpenOptions | undefined, _request?: IncomingMessage, route?: unknown): void {
    const request = this.#request as unknown as IncomingMessage;
    const response = this.#response;
    if (this.#state !== 'routing' || response.headersSent) {
      return endedUpgrade(this.#state === 'routing' || this.#state === 'waiting' ? 'answered' : this.#state).complete(handler, options, request);
    }
    const host = this.#host;
    const settings = host.settingsFor(options);
    const reporter = host.reporterFor(settings);
    const check = host.check(request, settings, route, checkH2Handshake);
    if ('status' in check) return this.refuse(check, reporter);
    const stream = this.#stream;
    // The client reset the stream while the app was routing: nobody to answer.
    if (stream.destroyed || !stream.writable) return this.#abandon();
    this.#end('opened');
    host.handOverStream(request, stream, settings, reporter, handler, check, upgradeHeaderObject(response, settings.headers, request));
  }

  #abandon(): void {
    if (this.#state !== 'waiting') this.#stream.destroy();
    this.#end('abandoned');
    debugUpgradeEnd(this.#request as unknown as IncomingMessage, 'abandoned: another connect listener answered or the client reset the stream');
  }

  /** routing → answered: the app's response ended the stream. */
  #finished(): void {
    if (this.#state !== 'routing') return;
    this.#end('answered');
    debugUpgradeEnd(this.#request as unknown as IncomingMessage, `answered by the app over HTTP/2: ${this.#response.statusCode}`);
  }

  #end(state: Exclude<H2UpgradeState, 'waiting' | 'routing'>): void {
    if (this.#state !== 'waiting') recordUpgrade(this.#request as unknown as IncomingMessage, endedUpgrade(state));
    this.#state = state;
    if (this.#admitted) {
      this.#admitted = false;
      this.#host.upgradeSettled();
    }
  }
}

/**
 * Answers a CONNECT that is no WebSocket when no other `'connect'` listener will: what Node
 * answers without any listener (405) for a plain CONNECT, 501 for a protocol upsocket does not
 * speak, 404 for a WebSocket `filter` declined. None is a refused WebSocket, so `onRefuse` does not hear of them.
 */
export function answerOtherConnect(stream: ServerHttp2Stream, protocol: string | undefined): void {
  if (protocol === undefined) return writeStreamRefusal(stream, { status: 405 as Refusal['status'], reason: 'CONNECT without :protocol: this server opens no tunnels' });
  // A WebSocket attach()'s filter left to other listeners, and there are none.
  if (protocol === 'websocket') return writeStreamRefusal(stream, noRoute);
  writeStreamRefusal(stream, { status: 501 as Refusal['status'], reason: `Unsupported :protocol ${protocol} (supported: websocket)` });
}
