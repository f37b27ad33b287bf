import { UpsocketError } from './errors.js';
import { Fifo } from './fifo.js';
import { assertKnownOptions, describeValue } from './option-keys.js';
import { RateBudget } from './rate-budget.js';
import type { SharedMessage } from './shared-message.js';
import type { BinaryData, Transport, TransportSink } from './transport.js';

/** An inbound rate limit per connection, as the `rateLimit` option takes it. */
export interface RateLimit {
  /**
   * Messages the peer may send per `interval`, and the burst: the handler never gets more than
   * this at once (plus what refills meanwhile); messages already read past it wait their turn.
   */
  messages?: number | undefined;
  /** Payload bytes the peer may send per `interval`, and the burst, likewise. */
  bytes?: number | undefined;
  /** The interval, in ms. */
  interval: number;
  /**
   * `'pause'` (default): stop reading the socket until the budget refills, so the peer's TCP
   * window fills like a slow reader's and nothing is lost. `'close'`: close with 1008 and the
   * reason `'Rate limit exceeded'` instead.
   */
  policy?: 'pause' | 'close' | undefined;
}

function invalid(message: string): UpsocketError {
  return new UpsocketError('UPSOCKET_INVALID_OPTION', message);
}

function isPositiveInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** @internal The check of the `rateLimit` option. */
export function assertRateLimit(value: unknown, key: string, caller: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${key} must be an object { messages?, bytes?, interval, policy? }, got ${describeValue(value)}`);
  }
  assertKnownOptions(`${caller} ${key}`, value, ['messages', 'bytes', 'interval', 'policy']);
  const { messages, bytes, interval, policy } = value as Record<string, unknown>;
  if (!isPositiveInteger(interval)) throw invalid(`${key}.interval must be a positive integer (ms), got ${String(interval)}`);
  if (messages === undefined && bytes === undefined) throw invalid(`${key} must limit messages, bytes or both`);
  for (const [name, limit] of [['messages', messages], ['bytes', bytes]] as const) {
    if (limit !== undefined && !isPositiveInteger(limit)) throw invalid(`${key}.${name} must be a positive integer, got ${String(limit)}`);
  }
  if (policy !== undefined && policy !== 'pause' && policy !== 'close') throw invalid(`${key}.policy must be 'pause' or 'close', got ${String(policy)}`);
}

/** @internal The close reason of a rate-limit close (policy 'close'): stable, documented, for telling it from other 1008s. */
export const rateLimitCloseReason = 'Rate limit exceeded';

/** A message parsed while the budget was spent, waiting for its turn. */
interface HeldMessage {
  data: Buffer;
  binary: boolean;
}

/**
 * @internal A transport that meters what its peer sends against a `RateBudget`. A message the
 * budget cannot pay for is held, with every one after it, and the socket is not read until the
 * held ones went through as the budget refilled ('pause'); or the connection fails with 1008
 * ('close'). It sits between the connection and its real transport, so a connection without
 * `rateLimit` has neither this object nor a branch for it.
 *
 * What is held is bounded by what ws had parsed when reading stopped (one socket read, at most
 * 64 KiB of frames). When we close, held messages are dropped like anything the peer sends once
 * we are closing; when the peer's side ends first, they are handed on before the close, so
 * `read()` returns them, then the end.
 *
 * Pausing is shared with the receive queue's high-water mark: the socket reads again only when
 * neither holds it.
 */
export class RateLimitedTransport implements Transport, TransportSink {
  readonly #inner: Transport;
  readonly #closeOnExcess: boolean;
  readonly #budget: RateBudget;
  #sink: TransportSink | undefined;
  /** The receive queue asked for a pause (its high-water mark). */
  #queueHolds = false;
  /** Messages wait for the budget (`#held` is not empty) and reads are held; `#timer` lets the next ones through. */
  #limitHolds = false;
  #held: Fifo<HeldMessage> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Closing: the rest the peer sends is not metered. */
  #metering = true;
  /** Over the limit under 'close': the rest the peer sends is dropped. */
  #dropping = false;

  constructor(inner: Transport, limit: RateLimit) {
    this.#inner = inner;
    this.#closeOnExcess = limit.policy === 'close';
    this.#budget = new RateBudget(limit.messages, limit.bytes, limit.interval);
  }

  /** Whether we hold reads: the heartbeat must not take the unread pong for a dead peer. */
  get readsHeld(): boolean {
    return this.#limitHolds;
  }

  get bufferedAmount(): number {
    return this.#inner.bufferedAmount;
  }

  bind(sink: TransportSink): void {
    this.#sink = sink;
    this.#inner.bind(this);
  }

  // What the connection asks of the wire: passed on, except pausing, which is shared.

  send(data: string | BinaryData): void {
    this.#inner.send(data);
  }

  sendShared(message: SharedMessage): void {
    this.#inner.sendShared(message);
  }

  cork(): void {
    this.#inner.cork();
  }

  uncork(): void {
    this.#inner.uncork();
  }

  whenDrained(callback: () => void): void {
    this.#inner.whenDrained(callback);
  }

  ping(data?: string | BinaryData): void {
    this.#inner.ping(data);
  }

  close(code: number, reason: string): void {
    // The peer's close frame must be read for the handshake to finish; what is held is dropped.
    this.#stopMetering();
    this.#inner.close(code, reason);
  }

  terminate(): void {
    this.#inner.terminate();
  }

  pause(): void {
    if (!this.#queueHolds && !this.#limitHolds) this.#inner.pause();
    this.#queueHolds = true;
  }

  resume(): void {
    this.#queueHolds = false;
    if (!this.#limitHolds) this.#inner.resume();
  }

  // What the wire reports: metered, then passed on.

  onMessage(data: Buffer, binary: boolean): void {
    if (this.#dropping) return;
    if (!this.#metering) return this.#sink!.onMessage(data, binary);
    // Behind held messages, a message waits its turn whatever the budget says: order is kept.
    if (!this.#limitHolds) {
      if (this.#budget.take(data.length, !this.#closeOnExcess)) return this.#sink!.onMessage(data, binary);
      if (this.#closeOnExcess) return this.#fail();
    }
    this.#hold(data, binary);
  }

  onPong(): void {
    this.#sink!.onPong();
  }

  onProtocolError(closeCode: number, reason?: string): void {
    this.#sink!.onProtocolError(closeCode, reason);
  }

  onClose(closeCode: number, reason: string): void {
    // The peer's side ended first (a drop, a reset): what it sent before is handed on, not lost.
    const held = this.#metering ? this.#held : undefined;
    this.#stopMetering();
    for (let message = held?.shift(); message !== undefined; message = held!.shift()) this.#sink!.onMessage(message.data, message.binary);
    this.#sink!.onClose(closeCode, reason);
  }

  /** Over budget: `message` waits, and the socket stays unread until the held messages went through. */
  #hold(data: Buffer, binary: boolean): void {
    (this.#held ??= new Fifo()).push({ data, binary });
    if (this.#limitHolds) return;
    this.#limitHolds = true;
    if (!this.#queueHolds) this.#inner.pause();
    this.#sink!.onRateLimited?.(true);
    this.#schedule(data.length);
  }

  #schedule(size: number): void {
    this.#timer = setTimeout(RateLimitedTransport.#timerFired, this.#budget.waitFor(size), this);
  }

  /** The budget refilled: held messages go through while it pays for them; reads resume once none is left. */
  #release(): void {
    this.#timer = undefined;
    for (let next = this.#held?.peek(); next !== undefined; next = this.#held?.peek()) {
      if (!this.#budget.take(next.data.length, true)) return this.#schedule(next.data.length);
      this.#held!.shift();
      this.#sink!.onMessage(next.data, next.binary);
    }
    // Closed while handing them on: #stopMetering() already let go.
    if (!this.#limitHolds) return;
    this.#limitHolds = false;
    if (!this.#queueHolds) this.#inner.resume();
    this.#sink!.onRateLimited?.(false);
  }

  static #timerFired(this: void, transport: RateLimitedTransport): void {
    transport.#release();
  }

  #stopMetering(): void {
    this.#metering = false;
    this.#held = undefined;
    clearTimeout(this.#timer);
    if (this.#limitHolds) {
      this.#limitHolds = false;
      if (!this.#queueHolds) this.#inner.resume();
      this.#sink!.onRateLimited?.(false);
    }
  }

  /** 'close' policy: what the peer sends from here on is dropped, and it is told 1008. */
  #fail(): void {
    this.#dropping = true;
    this.#stopMetering();
    this.#sink!.onProtocolError(1008, rateLimitCloseReason);
    this.#inner.close(1008, rateLimitCloseReason);
  }
}
