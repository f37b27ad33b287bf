import type { IncomingMessage } from 'node:http';
import type { CloseInfo } from './closed-watch.js';
import { ConnectionCore, type ConnectionState } from './connection-core.js';
import { UpsocketError } from './errors.js';
import type { Message } from './message.js';
import { assertPingData } from './ping-data.js';
import { iterationDone } from './receive-queue.js';
import type { BinaryData, Transport } from './transport.js';

export type { CloseInfo, ConnectionState };

/** @internal What the server side hands a new connection. */
export interface ConnectionInit {
  request: IncomingMessage;
  protocol: string;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  onClose?: (connection: Connection) => void;
}

function noop(): void {}

/**
 * What `for await` over a connection uses: an object with methods rather than two closures, as
 * an idle connection keeps it for its whole life.
 */
class MessageIterator implements AsyncIterator<Message> {
  readonly #core: ConnectionCore<Connection>;

  constructor(core: ConnectionCore<Connection>) {
    this.#core = core;
  }

  next(): Promise<IteratorResult<Message>> {
    const message = this.#core.take();
    if (message !== undefined) return Promise.resolve({ done: false, value: message });
    return this.#core.waitForMessage(true) as Promise<IteratorResult<Message>>;
  }

  /** Leaving the loop early only stops iterating; the handler decides when to close. */
  return(): Promise<IteratorResult<Message>> {
    return Promise.resolve(iterationDone);
  }
}

/**
 * @internal The internals of `connection` (heartbeat probes, topics' shared sends and backlog),
 * which its public object does not expose, not even at run time.
 */
export let coreOf: (connection: Connection) => ConnectionCore<Connection>;

/**
 * One WebSocket connection, handed to the handler given to `open()`.
 *
 * Reading is pull-based: messages wait in a bounded queue until `read()` takes them, and the socket
 * is paused while the queue is full. Writes are buffered for the current tick and go out together;
 * `await flush()` waits until the socket's buffer is below the high-water mark.
 *
 * @example
 * open(request, async (connection) => {
 *   for await (const message of connection) {
 *     connection.sendText(`echo: ${message.text()}`)
 *     await connection.flush()
 *   }
 * })
 */
export class Connection implements AsyncIterable<Message> {
  /**
   * On the server, the Node request that was upgraded, with whatever the app's middleware attached
   * to it. On a client from `connect()`, the server's 101 response (`statusCode`, `headers`).
   */
  readonly request: IncomingMessage;
  /** The negotiated subprotocol, or '' when none was. */
  readonly protocol: string;
  /** Everything else: private at run time too; the rest of upsocket reaches it through `coreOf()`. */
  readonly #core: ConnectionCore<Connection>;

  /** @internal Connections are created by `open()`, not by users. */
  constructor(transport: Transport, init: ConnectionInit) {
    this.request = init.request;
    this.protocol = init.protocol;
    this.#core = new ConnectionCore<Connection>(this, transport, init, init.onClose);
  }

  /** `open`, `closing` (we sent a close frame) or `closed`. */
  get state(): ConnectionState {
    return this.#core.state;
  }

  /** Bytes written and not yet sent to the network. */
  get bufferedAmount(): number {
    return this.#core.bufferedAmount;
  }

  /** Resolves with the close code and reason once the connection is closed; never rejects. */
  get closed(): Promise<CloseInfo> {
    return this.#core.closed;
  }

  /** Aborted when the connection closes; pass it to work that should stop with the connection. */
  get signal(): AbortSignal {
    return this.#core.signal;
  }

  /**
   * The next message. Resolves `null` once the peer closed with 1000, 1001, 1005 or 1012, or after we
   * closed; rejects with `ClosedError` for any other close (1006 when the TCP connection dropped).
   * Messages that arrived before the close are returned first. Pending writes are flushed before
   * waiting, so a request/response exchange never stalls on our own buffer.
   */
  read(): Promise<Message | null> {
    const message = this.#core.take();
    if (message !== undefined) return Promise.resolve(message);
    return this.#core.waitForMessage(false) as Promise<Message | null>;
  }

  /** Iterates messages until a clean close; throws `ClosedError` on any other close. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return new MessageIterator(this.#core);
  }

  /** Queues a text message. Throws `ClosedError` when the connection is closing or closed. */
  sendText(text: string): void {
    this.#core.assertWritable('send');
    if (typeof text !== 'string') {
      throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', 'sendText() takes a string; use sendBinary() for bytes');
    }
    this.#core.send(text);
  }

  /** Queues a binary message (a Buffer, any typed array or DataView, or an ArrayBuffer). */
  sendBinary(bytes: BinaryData): void {
    this.#core.assertWritable('send');
    if (!ArrayBuffer.isView(bytes) && !(bytes instanceof ArrayBuffer)) {
      throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', 'sendBinary() takes a Buffer, typed array or ArrayBuffer');
    }
    this.#core.send(bytes);
  }

  /** Queues `JSON.stringify(value)` as a text message. */
  sendJSON(value: unknown): void {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', `sendJSON() cannot encode ${typeof value} as JSON`);
    }
    this.sendText(text);
  }

  /**
   * Hands everything written so far to the socket and resolves once the socket's buffer is at or
   * below the send high-water mark. A loop that awaits it cannot outrun a slow reader.
   */
  flush(): Promise<void> {
    return this.#core.flush();
  }

  /**
   * Sends a ping and resolves on the next pong. `data` is at most 125 bytes (a control frame's
   * limit); more throws `UPSOCKET_INVALID_PAYLOAD` at once, like other wrong arguments.
   */
  ping(data?: string | BinaryData): Promise<void> {
    assertPingData(data);
    return this.#core.ping(data);
  }

  /**
   * Starts the close handshake after pending writes and resolves once closed. Waiting `read()`s
   * return null; messages that arrive after this are discarded.
   */
  close(code = 1000, reason = ''): Promise<void> {
    return this.#core.close(code, reason).then(noop);
  }

  /** @internal Drops the TCP connection without a handshake (shutdown stragglers, dead peers, tests). */
  terminate(): void {
    this.#core.terminate();
  }

  static {
    coreOf = (connection) => connection.#core;
  }
}
