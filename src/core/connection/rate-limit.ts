import { UpsocketError } from './errors.js';
import { assertKnownOptions, describeValue } from './option-keys.js';
import type { SharedMessage } from './shared-message.js';
import type { BinaryData, Transport, TransportSink } from './transport.js';

/** An inbound rate limit per connection, as the `rateLimit` option takes it. */
export interface RateLimit {
  /** Messages the peer may send per `interval` (also the burst allowed at once). */
  messages?: number | undefined;
  /** Payload bytes the peer may send per `interval` (also the burst allowed at once). */
  bytes?: number | undefined;
  /** The interval, in ms. */
  interval: number;
  /**
   * `'pause'` (default): stop reading the socket until the budget refills, so the peer's TCP
   * window fills like a slow reader's and nothing is lost. `'close'`: close with 1008 instead.
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

/**
 * @internal A transport that meters what its peer sends: a token bucket of messages and one of
 * bytes, each holding one interval's budget and refilled continuously. Over budget it stops
 * reading the socket until the buckets are back to zero ('pause'), or fails the connection with
 * 1008 ('close'). It sits between the connection and its real transport, so a connection without
 * `rateLimit` has neither this object nor a branch for it.
 *
 * Pausing is shared with the receive queue's high-water mark: the socket reads again only when
 * neither holds it.
 */
export class RateLimitedTransport implements Transport, TransportSink {
  readonly #inner: Transport;
  readonly #closeOnExcess: boolean;
  readonly #messagesPerMs: number;
  readonly #bytesPerMs: number;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  #sink: TransportSink | undefined;
  #messageTokens: number;
  #byteTokens: number;
  #refilledAt = performance.now();
  /** The receive queue asked for a pause (its high-water mark). */
  #queueHolds = false;
  /** We hold reads until the buckets refill; `#timer` ends the hold. */
  #limitHolds = false;
  #timer: NodeJS.Timeout | undefined;
  /** Closing: the rest the peer sends is not metered. */
  #metering = true;
  /** Over the limit under 'close': the rest the peer sends is dropped. */
  #dropping = false;

  constructor(inner: Transport, limit: RateLimit) {
    this.#inner = inner;
    this.#closeOnExcess = limit.policy === 'close';
    this.#maxMessages = limit.messages ?? Infinity;
    this.#maxBytes = limit.bytes ?? Infinity;
    this.#messagesPerMs = this.#maxMessages / limit.interval;
    this.#bytesPerMs = this.#maxBytes / limit.interval;
    this.#messageTokens = this.#maxMessages;
    this.#byteTokens = this.#maxBytes;
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
    // The peer's close frame must be read for the handshake to finish.
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
    if (this.#metering && !this.#spend(data.length)) {
      if (this.#closeOnExcess) return this.#fail();
      this.#hold();
    }
    this.#sink!.onMessage(data, binary);
  }

  onPong(): void {
    this.#sink!.onPong();
  }

  onProtocolError(closeCode: number): void {
    this.#sink!.onProtocolError(closeCode);
  }

  onClose(closeCode: number, reason: string): void {
    this.#metering = false;
    clearTimeout(this.#timer);
    this.#sink!.onClose(closeCode, reason);
  }

  /** Takes one message of `size` bytes from the buckets; false when that overdraws either. */
  #spend(size: number): boolean {
    this.#refill();
    this.#messageTokens -= 1;
    this.#byteTokens -= size;
    return this.#messageTokens >= 0 && this.#byteTokens >= 0;
  }

  #refill(): void {
    const now = performance.now();
    const elapsed = now - this.#refilledAt;
    this.#refilledAt = now;
    this.#messageTokens = Math.min(this.#maxMessages, this.#messageTokens + elapsed * this.#messagesPerMs);
    this.#byteTokens = Math.min(this.#maxBytes, this.#byteTokens + elapsed * this.#bytesPerMs);
  }

  /** ms until both buckets are back to zero. */
  #debtTime(): number {
    const messages = this.#messageTokens < 0 ? -this.#messageTokens / this.#messagesPerMs : 0;
    const bytes = this.#byteTokens < 0 ? -this.#byteTokens / this.#bytesPerMs : 0;
    return Math.max(1, Math.ceil(Math.max(messages, bytes)));
  }

  /** Over budget: the socket stays unread until the debt is paid (what it already parsed still arrives). */
  #hold(): void {
    if (this.#limitHolds) return;
    if (!this.#queueHolds) this.#inner.pause();
    this.#limitHolds = true;
    this.#timer = setTimeout(RateLimitedTransport.#timerFired, this.#debtTime(), this);
  }

  #release(): void {
    this.#refill();
    if (this.#messageTokens < 0 || this.#byteTokens < 0) {
      // Messages parsed from the chunk in hand after the pause added to the debt.
      this.#timer = setTimeout(RateLimitedTransport.#timerFired, this.#debtTime(), this);
      return;
    }
    this.#limitHolds = false;
    this.#timer = undefined;
    if (!this.#queueHolds) this.#inner.resume();
  }

  static #timerFired(this: void, transport: RateLimitedTransport): void {
    transport.#release();
  }

  #stopMetering(): void {
    this.#metering = false;
    clearTimeout(this.#timer);
    if (this.#limitHolds) {
      this.#limitHolds = false;
      if (!this.#queueHolds) this.#inner.resume();
    }
  }

  /** 'close' policy: what the peer sends from here on is dropped, and it is told 1008. */
  #fail(): void {
    this.#dropping = true;
    this.#stopMetering();
    this.#sink!.onProtocolError(1008);
    this.#inner.close(1008, 'Rate limit exceeded');
  }
}
