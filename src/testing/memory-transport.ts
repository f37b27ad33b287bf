import { type BinaryData } from '../core/index.js';
import { Fifo, type SharedMessage, type Transport, type TransportSink } from '../core/internal.js';

/**
 * What travels between the two ends, in order. A close frame without a code is reported as 1005,
 * as RFC 6455 §7.1.5 asks. New transport operations add a frame kind here and a case in `#read`.
 */
type Frame =
  | { kind: 'message'; data: Buffer; binary: boolean }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'pong'; data: Buffer }
  | { kind: 'close'; code: number | undefined; reason: string };

/** Options of one end of a `MemoryTransport` pair. */
export interface MemoryTransportOptions {
  /** Largest message this end accepts; a larger one fails the connection with 1009, as ws does. */
  maxMessageSize: number;
}

function toBuffer(data: string | BinaryData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  // A copy, as a socket write makes one: the caller may reuse its buffer after send().
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data));
  return Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/**
 * One end of a transport that moves frames between two `Connection`s in memory, with what they
 * rely on from the real thing: frames arrive asynchronously and in order; a paused end reads
 * nothing, so what its peer sends stays in the peer's `bufferedAmount` (and a ping sent to it gets
 * no pong) until it resumes; the close handshake echoes the code (1005 when there was none);
 * `terminate()` drops both ends with 1006; an oversized message fails the connection with 1009 on
 * both ends. What is missing is the kernel: there is no socket buffer, so backpressure starts at
 * the first unread byte.
 *
 * @internal
 */
export class MemoryTransport implements Transport {
  #peer!: MemoryTransport;
  #sink: TransportSink | undefined;
  readonly #maxMessageSize: number;

  /** Frames the peer sent that this end has not read yet. */
  readonly #incoming = new Fifo<Frame>();
  /** Message bytes in `#incoming`: the peer's `bufferedAmount`. */
  #incomingBytes = 0;
  #paused = false;
  #corked = 0;
  #readScheduled = false;
  #drainCallbacks: (() => void)[] = [];

  #closeSent = false;
  #closeReceived = false;
  /** What the peer's close frame said; reported once both close frames went their way. */
  #receivedClose = { code: 1006, reason: '' };
  #closed = false;

  /** Two connected ends: whatever one sends, the other reads. */
  static pair(first: MemoryTransportOptions, second: MemoryTransportOptions): [MemoryTransport, MemoryTransport] {
    const a = new MemoryTransport(first);
    const b = new MemoryTransport(second);
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  private constructor(options: MemoryTransportOptions) {
    this.#maxMessageSize = options.maxMessageSize;
  }

  get bufferedAmount(): number {
    return this.#peer.#incomingBytes;
  }

  bind(sink: TransportSink): void {
    this.#sink = sink;
    this.#scheduleRead();
  }

  send(data: string | BinaryData): void {
    // ws drops writes after the close frame too (and reports them only to a send callback).
    if (this.#closeSent || this.#closed) return;
    this.#peer.#receive({ kind: 'message', data: toBuffer(data), binary: typeof data !== 'string' });
  }

  sendShared(message: SharedMessage): void {
    // Nothing to frame in memory. A copy per receiver, as each socket's reader gets its own bytes.
    if (this.#closeSent || this.#closed) return;
    this.#peer.#receive({ kind: 'message', data: Buffer.from(message.payload), binary: message.type === 'binary' });
  }

  cork(): void {
    this.#corked++;
  }

  uncork(): void {
    if (this.#corked > 0 && --this.#corked === 0) this.#peer.#scheduleRead();
  }

  whenDrained(callback: () => void): void {
    if (this.bufferedAmount === 0 || this.#closed) setImmediate(callback);
    else this.#drainCallbacks.push(callback);
  }

  ping(data?: string | BinaryData): void {
    const payload = data === undefined ? Buffer.alloc(0) : toBuffer(data);
    if (payload.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    if (this.#closeSent || this.#closed) return;
    this.#peer.#receive({ kind: 'ping', data: payload });
  }

  close(code: number | undefined, reason: string): void {
    if (this.#closeSent || this.#closed) return;
    this.#closeSent = true;
    this.#peer.#receive({ kind: 'close', code, reason: code === undefined ? '' : reason });
    this.#finishIfClosed();
  }

  terminate(): void {
    if (this.#closed) return;
    this.#drop();
    this.#peer.#drop();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#scheduleRead();
  }

  #receive(frame: Frame): void {
    if (this.#closed || this.#closeReceived) return;
    this.#incoming.push(frame);
    if (frame.kind === 'message') this.#incomingBytes += frame.data.length;
    this.#scheduleRead();
  }

  #scheduleRead(): void {
    if (this.#readScheduled) return;
    this.#readScheduled = true;
    // Frames arrive on a later turn of the event loop, as network reads do.
    setImmediate(() => {
      this.#readScheduled = false;
      this.#read();
    });
  }

  #read(): void {
    const sink = this.#sink;
    let delivered = false;
    while (sink !== undefined && !this.#paused && !this.#closed && this.#peer.#corked === 0) {
      const frame = this.#incoming.shift();
      if (frame === undefined) break;
      delivered = true;
      switch (frame.kind) {
        case 'message':
          this.#incomingBytes -= frame.data.length;
          if (frame.data.length > this.#maxMessageSize) this.#fail(1009);
          else sink.onMessage(frame.data, frame.binary);
          break;
        case 'ping':
          // ws answers pings as it parses them, so only an end that is reading answers.
          if (!this.#closeSent) this.#peer.#receive({ kind: 'pong', data: frame.data });
          break;
        case 'pong':
          sink.onPong();
          break;
        case 'close':
          this.#closeReceived = true;
          this.#receivedClose = { code: frame.code ?? 1005, reason: frame.reason };
          // The close handshake: answer with the same code (none for none), as ws does.
          if (!this.#closeSent) this.close(frame.code, frame.reason);
          else this.#finishIfClosed();
          break;
      }
    }
    if (delivered) this.#peer.#notifyDrained();
  }

  /** A protocol failure found by this end: tell the peer why, then stop reading, as ws does. */
  #fail(closeCode: number): void {
    this.#sink?.onProtocolError(closeCode);
    this.close(closeCode, '');
    this.#incoming.drain();
    this.#incomingBytes = 0;
    // ws stops reading after a failure, so it never sees the peer's answer: it reports 1006.
    this.#setClosed(1006, '');
  }

  #finishIfClosed(): void {
    if (this.#closeSent && this.#closeReceived) this.#setClosed(this.#receivedClose.code, this.#receivedClose.reason);
  }

  /** The connection dropped without a close handshake: both ends report 1006, a turn later. */
  #drop(): void {
    this.#incoming.drain();
    this.#incomingBytes = 0;
    if (this.#closed) return;
    this.#closed = true;
    setImmediate(() => this.#report(1006, ''));
  }

  #setClosed(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#report(code, reason);
  }

  #report(code: number, reason: string): void {
    this.#notifyDrained();
    this.#sink?.onClose(code, reason);
  }

  #notifyDrained(): void {
    const callbacks = this.#drainCallbacks;
    if (callbacks.length === 0) return;
    this.#drainCallbacks = [];
    for (const callback of callbacks) callback();
  }
}
