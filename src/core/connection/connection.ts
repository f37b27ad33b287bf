import type { IncomingMessage } from 'node:http';
import { assertSendableClose, isCleanClose } from './close-codes.js';
import { ClosedError, UpsocketError } from './errors.js';
import { Fifo } from './fifo.js';
import { Message } from './message.js';
import type { PreparedMessage } from './prepared-message.js';
import type { BinaryData, Transport } from './transport.js';

/** `open` until either side starts the close handshake we started; `closed` once the socket is gone. */
export type ConnectionState = 'open' | 'closing' | 'closed';

/** The close code and reason a connection ended with. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** @internal What the server side hands a new connection. */
export interface ConnectionInit {
  request: IncomingMessage;
  protocol: string;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  onClose?: (connection: Connection) => void;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A pending `read()`, or a pending `next()` of iteration, which resolves with an IteratorResult. */
interface Reader {
  resolve(value: Message | null | IteratorResult<Message>): void;
  reject(error: unknown): void;
  iterating: boolean;
}

const iterationDone: IteratorResult<Message> = Object.freeze({ done: true, value: undefined });

function settle(reader: Reader, message: Message | null): void {
  if (!reader.iterating) reader.resolve(message);
  else reader.resolve(message === null ? iterationDone : { done: false, value: message });
}

/** Charged per queued message on top of its payload, so a flood of empty messages is bounded too. */
const MESSAGE_OVERHEAD = 64;

const resolved = Promise.resolve();

function noop(): void {}

/** RFC 6455 §5.5: control frames carry at most 125 bytes of payload. */
const MAX_CONTROL_PAYLOAD = 125;

function assertPingData(data: unknown): void {
  if (data === undefined) return;
  let length: number;
  if (typeof data === 'string') length = Buffer.byteLength(data);
  else if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) length = data.byteLength;
  else throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', 'ping(data) takes a string, a Buffer, a typed array or an ArrayBuffer');
  if (length > MAX_CONTROL_PAYLOAD) {
    throw new UpsocketError(
      'UPSOCKET_INVALID_PAYLOAD',
      `ping(data): control frames carry at most ${MAX_CONTROL_PAYLOAD} bytes, got ${length} bytes`,
    );
  }
}

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

  readonly #transport: Transport;
  readonly #sendHighWaterMark: number;
  readonly #receiveHighWaterMark: number;
  readonly #onClose: ((connection: Connection) => void) | undefined;

  #state: ConnectionState = 'open';
  #closedByUs = false;
  #closeCode = 0;
  #closeReason = '';
  #protocolErrorCode = 0;

  // Allocated on first use: an idle connection with one pending read needs neither a queue nor a list.
  #queue: Fifo<Message> | undefined;
  #queuedBytes = 0;
  #reader: Reader | undefined;
  #moreReaders: Reader[] | undefined;
  #paused = false;
  #batching = false;
  #backlogAtBatchStart = 0;
  #awaitingPong = false;

  #drainWaiters: Waiter<void>[] | undefined;
  #pongWaiters: Waiter<void>[] | undefined;
  #closedPromise: Promise<CloseInfo> | undefined;
  #resolveClosed: ((info: CloseInfo) => void) | undefined;
  #abortController: AbortController | undefined;

  /** @internal Connections are created by `open()`, not by users. */
  constructor(transport: Transport, init: ConnectionInit) {
    this.#transport = transport;
    this.request = init.request;
    this.protocol = init.protocol;
    this.#sendHighWaterMark = init.sendHighWaterMark;
    this.#receiveHighWaterMark = init.receiveHighWaterMark;
    this.#onClose = init.onClose;
    transport.bind(this);
  }

  /** `open`, `closing` (we sent a close frame) or `closed`. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Bytes written and not yet sent to the network. */
  get bufferedAmount(): number {
    return this.#transport.bufferedAmount;
  }

  /**
   * @internal Bytes the network has not taken: `bufferedAmount` without this tick's writes, which
   * are corked and leave together at the end of the tick. What a slow-subscriber policy measures.
   */
  get backlog(): number {
    return this.#batching ? this.#backlogAtBatchStart : this.#transport.bufferedAmount;
  }

  /** Resolves with the close code and reason once the connection is closed; never rejects. */
  get closed(): Promise<CloseInfo> {
    if (this.#closedPromise === undefined) {
      this.#closedPromise =
        this.#state === 'closed'
          ? Promise.resolve(this.#closeInfo())
          : new Promise((resolve) => (this.#resolveClosed = resolve));
    }
    return this.#closedPromise;
  }

  /** Aborted when the connection closes; pass it to work that should stop with the connection. */
  get signal(): AbortSignal {
    if (this.#abortController === undefined) {
      this.#abortController = new AbortController();
      if (this.#state === 'closed') this.#abortController.abort(this.#closedError());
    }
    return this.#abortController.signal;
  }

  /**
   * The next message. Resolves `null` once the peer closed with 1000, 1001 or 1005, or after we
   * closed; rejects with `ClosedError` for any other close (1006 when the TCP connection dropped).
   * Messages that arrived before the close are returned first. Pending writes are flushed before
   * waiting, so a request/response exchange never stalls on our own buffer.
   */
  read(): Promise<Message | null> {
    const message = this.#dequeue();
    if (message !== undefined) return Promise.resolve(message);
    return this.#waitForMessage(false) as Promise<Message | null>;
  }

  /** Iterates messages until a clean close; throws `ClosedError` on any other close. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: (): Promise<IteratorResult<Message>> => {
        const message = this.#dequeue();
        if (message !== undefined) return Promise.resolve({ done: false, value: message });
        return this.#waitForMessage(true) as Promise<IteratorResult<Message>>;
      },
      // Leaving the loop early only stops iterating; the handler decides when to close.
      return: (): Promise<IteratorResult<Message>> => Promise.resolve(iterationDone),
    };
  }

  /** Queues a text message. Throws `ClosedError` when the connection is closing or closed. */
  sendText(text: string): void {
    if (this.#state !== 'open') throw this.#closedError('send');
    if (typeof text !== 'string') {
      throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', 'sendText() takes a string; use sendBinary() for bytes');
    }
    this.#beginBatch();
    this.#transport.send(text);
  }

  /** Queues a binary message (a Buffer, any typed array or DataView, or an ArrayBuffer). */
  sendBinary(bytes: BinaryData): void {
    if (this.#state !== 'open') throw this.#closedError('send');
    if (!ArrayBuffer.isView(bytes) && !(bytes instanceof ArrayBuffer)) {
      throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', 'sendBinary() takes a Buffer, typed array or ArrayBuffer');
    }
    this.#beginBatch();
    this.#transport.send(bytes);
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
   * @internal Queues a message prepared once for many connections (topics' fan-out), written like
   * `sendText()`/`sendBinary()` within the current tick's batch.
   */
  sendPrepared(message: PreparedMessage): void {
    if (this.#state !== 'open') throw this.#closedError('send');
    this.#beginBatch();
    this.#transport.sendPrepared(message);
  }

  /**
   * Hands everything written so far to the socket and resolves once the socket's buffer is at or
   * below the send high-water mark. A loop that awaits it cannot outrun a slow reader.
   */
  flush(): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(this.#closedError('flush'));
    this.#endBatch();
    if (this.#transport.bufferedAmount <= this.#sendHighWaterMark) return resolved;
    return new Promise((resolve, reject) => {
      const watching = this.#drainWaiters !== undefined;
      (this.#drainWaiters ??= []).push({ resolve, reject });
      if (!watching) this.#transport.whenDrained(() => this.#checkDrained());
    });
  }

  /**
   * Sends a ping and resolves on the next pong. `data` is at most 125 bytes (a control frame's
   * limit); more throws `UPSOCKET_INVALID_PAYLOAD` at once, like other wrong arguments.
   */
  ping(data?: string | BinaryData): Promise<void> {
    assertPingData(data);
    if (this.#state !== 'open') return Promise.reject(this.#closedError('ping'));
    this.#endBatch();
    this.#transport.ping(data);
    return new Promise((resolve, reject) => (this.#pongWaiters ??= []).push({ resolve, reject }));
  }

  /**
   * Starts the close handshake after pending writes and resolves once closed. Waiting `read()`s
   * return null; messages that arrive after this are discarded.
   */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.#state === 'open') {
      assertSendableClose(code, reason);
      this.#state = 'closing';
      this.#closedByUs = true;
      this.#closeCode = code;
      this.#closeReason = reason;
      this.#endBatch();
      // The peer's close frame must be read for the handshake to finish.
      if (this.#paused) this.#transport.resume();
      this.#transport.close(code, reason);
      for (const reader of this.#takeReaders()) settle(reader, null);
    }
    return this.closed.then(noop);
  }

  /** @internal Drops the TCP connection without a handshake (shutdown stragglers, dead peers). */
  terminate(): void {
    if (this.#state !== 'closed') this.#transport.terminate();
  }

  /**
   * @internal Called by the heartbeat once per interval: pings, or terminates a peer that did not
   * answer the previous ping. A connection we paused is not probed: its pong sits behind data we
   * have not read yet.
   */
  probe(): void {
    if (this.#state !== 'open' || this.#paused) return;
    if (this.#awaitingPong) {
      this.#transport.terminate();
      return;
    }
    this.#awaitingPong = true;
    this.#transport.ping();
  }

  /** @internal */
  onMessage(data: Buffer, binary: boolean): void {
    this.#awaitingPong = false;
    if (this.#closedByUs) return;
    const message = new Message(binary ? 'binary' : 'text', data);
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = this.#moreReaders?.shift();
      settle(reader, message);
      return;
    }
    (this.#queue ??= new Fifo()).push(message);
    this.#queuedBytes += data.length + MESSAGE_OVERHEAD;
    if (!this.#paused && this.#queuedBytes >= this.#receiveHighWaterMark) {
      this.#paused = true;
      this.#transport.pause();
    }
  }

  /** @internal */
  onPong(): void {
    this.#awaitingPong = false;
    this.#pongWaiters?.shift()?.resolve();
  }

  /** @internal ws reports the socket closed with 1006 after it failed the peer: keep the real code. */
  onProtocolError(closeCode: number): void {
    if (this.#protocolErrorCode === 0) this.#protocolErrorCode = closeCode;
  }

  /** @internal */
  onClose(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#batching = false;
    this.#closeCode = this.#protocolErrorCode || code;
    this.#closeReason = this.#protocolErrorCode === 0 ? reason : '';
    // Built only if something will see it: most connections end with nobody waiting.
    const clean = this.#closedByUs || isCleanClose(this.#closeCode);
    for (const reader of this.#takeReaders()) {
      if (clean) settle(reader, null);
      else reader.reject(this.#closedError());
    }
    for (const waiter of this.#drainWaiters ?? []) waiter.reject(this.#closedError('flush'));
    for (const waiter of this.#pongWaiters ?? []) waiter.reject(this.#closedError('ping'));
    this.#drainWaiters = this.#pongWaiters = undefined;
    this.#resolveClosed?.(this.#closeInfo());
    this.#abortController?.abort(this.#closedError());
    this.#onClose?.(this);
  }

  #dequeue(): Message | undefined {
    const message = this.#queue?.shift();
    if (message === undefined) return undefined;
    this.#queuedBytes -= message.data.length + MESSAGE_OVERHEAD;
    if (this.#paused && this.#queuedBytes <= this.#receiveHighWaterMark / 2) {
      this.#paused = false;
      if (this.#state === 'open') this.#transport.resume();
    }
    return message;
  }

  #waitForMessage(iterating: boolean): Promise<Message | null | IteratorResult<Message>> {
    const end = iterating ? iterationDone : null;
    if (this.#state === 'closed') {
      return this.#closedByUs || isCleanClose(this.#closeCode) ? Promise.resolve(end) : Promise.reject(this.#closedError());
    }
    if (this.#closedByUs) return Promise.resolve(end);
    this.#endBatch();
    return new Promise((resolve, reject) => {
      const reader: Reader = { resolve, reject, iterating };
      if (this.#reader === undefined) this.#reader = reader;
      else (this.#moreReaders ??= []).push(reader);
    });
  }

  #takeReaders(): Reader[] {
    const readers = this.#reader === undefined ? [] : [this.#reader, ...(this.#moreReaders ?? [])];
    this.#reader = this.#moreReaders = undefined;
    return readers;
  }

  #beginBatch(): void {
    if (this.#batching) return;
    this.#batching = true;
    this.#backlogAtBatchStart = this.#transport.bufferedAmount;
    this.#transport.cork();
    process.nextTick(() => this.#endBatch());
  }

  #endBatch(): void {
    if (!this.#batching) return;
    this.#batching = false;
    this.#transport.uncork();
  }

  #checkDrained(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined) return;
    if (this.#transport.bufferedAmount > this.#sendHighWaterMark) {
      this.#transport.whenDrained(() => this.#checkDrained());
      return;
    }
    this.#drainWaiters = undefined;
    for (const waiter of waiters) waiter.resolve();
  }

  #closeInfo(): CloseInfo {
    return { code: this.#closeCode, reason: this.#closeReason };
  }

  #closedError(action?: string): ClosedError {
    return new ClosedError(this.#closeCode || 1006, this.#closeReason, action);
  }
}

