import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Settings } from './options.js';

/**
 * The second half of ws's `handleUpgrade()`: the 101, the WebSocket over the socket. Public on
 * ws's server (ws 8: extensions, key, protocols, …) though left out of its typings.
 */
interface CompletingServer {
  completeUpgrade(
    extensions: Record<string, never>,
    key: string,
    protocols: ReadonlySet<string>,
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    callback: (ws: WebSocket) => void,
  ): void;
}

const noExtensions: Record<string, never> = Object.freeze({});
const noProtocols: ReadonlySet<string> = new Set();

/**
 * How many ws servers one `attach()` keeps. An app that varies `maxMessageSize` per `open()` call
 * would otherwise add one per value for the life of the process; a `noServer` ws server holds no
 * sockets, so dropping the oldest costs only a new one if its options come back.
 */
const capacity = 16;

/**
 * @internal The ws `WebSocketServer`s (`noServer`) that complete one `attach()`'s handshakes: ws
 * fixes the payload limit and compression per server, so there is one per combination in use.
 */
export class WsServers {
  readonly #servers = new Map<string, WebSocketServer>();
  readonly #handleProtocols: () => string | false;
  // The common case, open() without options of its own: the same settings object every time.
  #lastSettings: Settings | undefined = undefined;
  #lastServer: WebSocketServer | undefined = undefined;
  // The extra lines of the 101 being written (ws writes it inside complete(), synchronously).
  #headerLines: readonly string[] | undefined = undefined;
  // ws's hook for the 101's lines: one listener per ws server, which adds nothing to an upgrade
  // without extra headers but this field's read.
  readonly #addHeaderLines = (lines: string[]): void => {
    if (this.#headerLines !== undefined) lines.push(...this.#headerLines);
  };

  /** `handleProtocols` answers ws's question for the subprotocol (ws's own would take the first offer). */
  constructor(handleProtocols: () => string | false) {
    this.#handleProtocols = handleProtocols;
  }

  /** The ws server for `settings`' `maxMessageSize` and `compression`. */
  #serverFor(settings: Settings): WebSocketServer {
    if (settings === this.#lastSettings && this.#lastServer !== undefined) return this.#lastServer;
    const key = `${settings.maxMessageSize}:${settings.compression}`;
    let server = this.#servers.get(key);
    if (server === undefined) {
      if (this.#servers.size >= capacity) this.#servers.delete(this.#servers.keys().next().value as string);
      server = new WebSocketServer({
        noServer: true,
        clientTracking: false,
        maxPayload: settings.maxMessageSize,
        perMessageDeflate: settings.compression,
        handleProtocols: this.#handleProtocols,
      });
      server.on('headers', this.#addHeaderLines);
      this.#servers.set(key, server);
    }
    this.#lastSettings = settings;
    this.#lastServer = server;
    return server;
  }

  /**
   * Completes an upgrade that passed the handshake checks (`handshake.ts` runs every one of ws's
   * and more): ws answers 101 and calls back with the WebSocket. Without compression there is
   * nothing left to negotiate, so ws's own re-run of the checks (`handleUpgrade()`) is skipped.
   * `headerLines` (`Name: value`, checked by `upgrade-headers.ts`) go on the 101 after ws's own.
   */
  complete(
    settings: Settings,
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    protocol: string,
    headerLines: readonly string[] | undefined,
    callback: (ws: WebSocket) => void,
  ): void {
    const server = this.#serverFor(settings);
    this.#headerLines = headerLines;
    try {
      if (settings.compression) {
        server.handleUpgrade(request, socket, head, callback);
        return;
      }
      const protocols = protocol === '' ? noProtocols : new Set([protocol]);
      (server as unknown as CompletingServer).completeUpgrade(noExtensions, request.headers['sec-websocket-key']!, protocols, request, socket, head, callback);
    } finally {
      this.#headerLines = undefined;
    }
  }

  /** At shutdown: later handshakes through these servers would be answered 503 by ws. */
  close(): void {
    for (const server of this.#servers.values()) server.close();
    this.#servers.clear();
    this.#lastSettings = undefined;
    this.#lastServer = undefined;
  }
}
