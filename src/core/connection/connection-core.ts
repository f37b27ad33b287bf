import { assertSendableClose, isCleanClose } from './close-codes.js';
import { ClosedWatch, type CloseInfo } from './closed-watch.js';
import { ClosedError } from './errors.js';
import { DecodedMessage, Message } from './message.js';
import { publishHeartbeatTimeout, publishMessage, publishPause, publishRateLimited } from './publish.js';
import { PongWaiters } from './pong-waiters.js';
import { iterationDone, ReceiveQueue, type ReadResult } from './receive-queue.js';
import { SendBatch } from './send-batch.js';
import type { SharedMessage } from './shared-message.js';
import type { BinaryData, Transport, TransportSink } from './transport.js';

/** `open` until we start the close handshake; `closing` until the socket is gone; then `closed`. */
export type ConnectionState = 'open' | 'closing' | 'closed';

/** The states, with `closed` split by who started: after our close, reads end cleanly whatever the code. */
type Phase = 'open' | 'closing' | 'closed' | 'closed after ours';

const resolved = Promise.resolve();

/**
 * @internal What a `Connection` is behind its public methods: the one home of its states and
 * transitions, and the sink its transport reports to.
 *
 * ```
 * open ──close() by us──▶ closing ──transport onClose──▶ closed
 *   └──────transport onClose (peer close, drop, protocol error, terminate)──────▶ closed
 * ```
 *
 * It owns the parts each concept lives in: the receive queue (created at once: almost every
 * handler reads), the send batch, the pong waiters and the closed watch (created on first use).
 */
export class ConnectionCore<Owner = unknown> implements TransportSink {
  readonly #owner: Owner;
  readonly #transport: Transport;
  readonly #sendHighWaterMark: number;
  readonly #onClose: ((owner: Owner) => void) | undefined;
  readonly #received: ReceiveQueue;
  #sendBatch: SendBatch | undefined;
  #pongWaiters: PongWaiters | undefined;
  #closedWatch: ClosedWatch | undefined;

  #phase: Phase = 'open';
  /** The code and reason of our close frame while closing, the final ones once closed. */
  #closeInfo: CloseInfo | undefined;
  /** What we told the peer when we failed it (a protocol error, the rate limit): made only then. */
  #protocolError: CloseInfo | undefined;
  #awaitingPong = false;

  constructor(
    owner: Owner,
    transport: Transport,
    limits: { sendHighWaterMark: number; receiveHighWaterMark: number },
    onClose: ((owner: Owner) => void) | undefined,
  ) {
    this.#owner = owner;
    this.#transport = transport;
    this.#sendHighWaterMark = limits.sendHighWaterMark;
    this.#received = new ReceiveQueue(limits.receiveHighWaterMark);
    this.#onClose = onClose;
    transport.bind(this);
  }

  get state(): ConnectionState {
    return this.#phase === 'closed after ours' ? 'closed' : this.#phase;
  }

  get bufferedAmount(): number {
    return this.#transport.bufferedAmount;
  }

  /** Bytes the network has not taken, without this tick's corked writes (see `SendBatch`). */
  get backlog(): number {
    return this.#sendBatch?.backlog ?? this.#transport.bufferedAmount;
  }

  /** The code and reason of our close frame while closing, the final ones once closed. */
  get closeInfo(): CloseInfo | undefined {
    return this.#closeInfo;
  }

  get closed(): Promise<CloseInfo> {
    return this.#watch().promise;
  }

  get signal(): AbortSignal {
    return this.#watch().signal;
  }

  // Reading

  /** The next queued message, or undefined when there is none. */
  take(): Message | undefined {
    const paused = this.#received.paused;
    const message = this.#received.shift(this.#transport, this.#phase === 'open');
    if (paused && !this.#received.paused) publishPause(this.#owner, 'receive', false);
    return message;
  }

  /** Waits for the next message after flushing our writes; the end per the close rules. */
  waitForMessage(iterating: boolean): Promise<ReadResult> {
    const end = iterating ? iterationDone : null;
    if (this.#phase === 'closed') {
      return isCleanClose(this.#closeInfo!.code) ? Promise.resolve(end) : Promise.reject(this.#closedError());
    }
    if (this.#phase !== 'open') return Promise.resolve(end);
    this.#sendBatch?.end();
    return this.#received.wait(iterating);
  }

  // Writing

  send(data: string | BinaryData): void {
    this.#batch().begin();
    this.#transport.send(data);
    publishMessage(this.#owner, 'send', data);
  }

  /** Queues a message prepared once for many connections (topics' fan-out) in this tick's batch. */
  sendShared(message: SharedMessage): void {
    this.assertWritable('send');
    this.#batch().begin();
    this.#transport.sendShared(message);
    publishMessage(this.#owner, 'send', message);
  }

  flush(): Promise<void> {
    if (this.#phase !== 'open') return Promise.reject(this.#closedError('flush'));
    const batch = this.#sendBatch;
    if (batch !== undefined) return batch.flush();
    return this.#transport.bufferedAmount <= this.#sendHighWaterMark ? resolved : this.#batch().flush();
  }

  ping(data?: string | BinaryData): Promise<void> {
    if (this.#phase !== 'open') return Promise.reject(this.#closedError('ping'));
    this.#sendBatch?.end();
    this.#transport.ping(data);
    return (this.#pongWaiters ??= new PongWaiters()).wait();
  }

  /** Throws `ClosedError` for `action` unless the connection is open. */
  assertWritable(action: string): void {
    if (this.#phase !== 'open') throw this.#closedError(action);
  }

  // Transitions

  /** open → closing: sends our close frame after this tick's writes. */
  close(code: number, reason: string): Promise<CloseInfo> {
    if (this.#phase === 'open') {
      assertSendableClose(code, reason);
      this.#phase = 'closing';
      this.#closeInfo = { code, reason };
      this.#sendBatch?.end();
      // The peer's close frame must be read for the handshake to finish.
      if (this.#received.unpause(this.#transport)) publishPause(this.#owner, 'receive', false);
      this.#transport.close(code, reason);
      this.#received.end();
    }
    return this.closed;
  }

  /** Drops the TCP connection without a handshake (shutdown stragglers, dead peers). */
  terminate(): void {
    if (this.#phase === 'open' || this.#phase === 'closing') this.#transport.terminate();
  }

  /**
   * Called by the heartbeat once per interval: pings, or terminates a peer that did not answer
   * the previous ping. A connection we paused (full queue, rate limit) is not probed: its pong
   * sits behind data we have not read yet.
   */
  probe(): void {
    if (this.#phase !== 'open' || this.#received.paused || this.#transport.readsHeld === true) return;
    if (this.#awaitingPong) {
      publishHeartbeatTimeout(this.#owner);
      this.#transport.terminate();
      return;
    }
    this.#awaitingPong = true;
    this.#transport.ping();
  }

  // What the transport reports (TransportSink)

  onMessage(data: Buffer, binary: boolean, text?: string): void {
    this.#awaitingPong = false;
    // Closing: what the peer sent before it saw our close frame is dropped.
    if (this.#phase !== 'open') return;
    publishMessage(this.#owner, 'receive', data);
    const message = text === undefined ? new Message(binary ? 'binary' : 'text', data) : new DecodedMessage(data, text);
    if (this.#received.push(message, this.#transport)) publishPause(this.#owner, 'receive', true);
  }

  onPong(): void {
    this.#awaitingPong = false;
    this.#pongWaiters?.pong();
  }

  /** ws reports the socket closed with 1006 after it failed the peer: keep the real code (and our reason). */
  onProtocolError(closeCode: number, reason = ''): void {
    this.#protocolError ??= { code: closeCode, reason };
  }

  onRateLimited(held: boolean): void {
    publishRateLimited(this.#owner, held);
  }

  /** open or closing → closed: settles every read, flush, ping, `closed` and `signal`. */
  onClose(code: number, reason: string): void {
    if (this.#phase !== 'open' && this.#phase !== 'closing') return;
    const ours = this.#phase === 'closing';
    this.#phase = ours ? 'closed after ours' : 'closed';
    const info: CloseInfo = this.#protocolError ?? { code, reason };
    this.#closeInfo = info;
    // Errors are built only if something will see them: most connections end with nobody waiting.
    if (ours || isCleanClose(info.code)) this.#received.end();
    else this.#received.fail(() => this.#closedError());
    this.#sendBatch?.close(() => this.#closedError('flush'));
    this.#pongWaiters?.close(() => this.#closedError('ping'));
    this.#pongWaiters = undefined;
    this.#closedWatch?.settle(info, () => this.#closedError());
    this.#onClose?.(this.#owner);
  }

  #batch(): SendBatch {
    return (this.#sendBatch ??= new SendBatch(this.#transport, this.#sendHighWaterMark, this.#owner));
  }

  #watch(): ClosedWatch {
    if (this.#closedWatch === undefined) {
      this.#closedWatch = new ClosedWatch();
      if (this.state === 'closed') this.#closedWatch.settle(this.#closeInfo!, () => this.#closedError());
    }
    return this.#closedWatch;
  }

  #closedError(action?: string): ClosedError {
    return new ClosedError(this.#closeInfo?.code || 1006, this.#closeInfo?.reason ?? '', action);
  }
}
