import { WebSocketServer } from 'ws';
import type { Settings } from './options.js';

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

  /** `handleProtocols` answers ws's question for the subprotocol (ws's own would take the first offer). */
  constructor(handleProtocols: () => string | false) {
    this.#handleProtocols = handleProtocols;
  }

  /** The ws server for `settings`' `maxMessageSize` and `compression`. */
  for(settings: Settings): WebSocketServer {
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
      this.#servers.set(key, server);
    }
    this.#lastSettings = settings;
    this.#lastServer = server;
    return server;
  }

  /** At shutdown: later handshakes through these servers would be answered 503 by ws. */
  close(): void {
    for (const server of this.#servers.values()) server.close();
    this.#servers.clear();
    this.#lastSettings = undefined;
    this.#lastServer = undefined;
  }
}
