/**
 * @internal The budget of one rate-limited connection: a token bucket of messages and one of
 * payload bytes, each holding one `interval`'s allowance (the burst) and refilled continuously.
 * A message is let through only when both buckets hold its cost, so whoever reads what it lets
 * through never gets more than the burst plus what refilled meanwhile.
 */
export class RateBudget {
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #messagesPerMs: number;
  readonly #bytesPerMs: number;
  /** Wait at least this long between two refills: one timer per message would cost more than the message. */
  readonly #minimumWait: number;
  #messageTokens: number;
  #byteTokens: number;
  #refilledAt = performance.now();

  /** A limit left out is unlimited: its bucket stays full (Infinity) and never refills (0 per ms). */
  constructor(messages: number | undefined, bytes: number | undefined, interval: number) {
    this.#maxMessages = messages ?? Infinity;
    this.#maxBytes = bytes ?? Infinity;
    this.#messagesPerMs = messages === undefined ? 0 : messages / interval;
    this.#bytesPerMs = bytes === undefined ? 0 : bytes / interval;
    this.#minimumWait = Math.min(10, interval);
    this.#messageTokens = this.#maxMessages;
    this.#byteTokens = this.#maxBytes;
  }

  /**
   * Takes one message of `size` bytes when both buckets hold it. `oversized`: a message larger
   * than the whole bytes budget may go once the bucket is full, leaving it in debt (otherwise it
   * could never go); without it, such a message never fits.
   */
  take(size: number, oversized: boolean): boolean {
    this.#refill();
    const bytes = oversized ? Math.min(size, this.#maxBytes) : size;
    if (this.#messageTokens < 1 || this.#byteTokens < bytes) return false;
    this.#messageTokens -= 1;
    this.#byteTokens -= size;
    return true;
  }

  /** ms until `take(size, true)` can succeed (at least a few, see `#minimumWait`). */
  waitFor(size: number): number {
    this.#refill();
    const messages = this.#messageTokens < 1 ? (1 - this.#messageTokens) / this.#messagesPerMs : 0;
    const bytesNeeded = Math.min(size, this.#maxBytes);
    const bytes = this.#byteTokens < bytesNeeded ? (bytesNeeded - this.#byteTokens) / this.#bytesPerMs : 0;
    return Math.max(this.#minimumWait, Math.ceil(Math.max(messages, bytes)));
  }

  #refill(): void {
    const now = performance.now();
    const elapsed = now - this.#refilledAt;
    this.#refilledAt = now;
    this.#messageTokens = Math.min(this.#maxMessages, this.#messageTokens + elapsed * this.#messagesPerMs);
    this.#byteTokens = Math.min(this.#maxBytes, this.#byteTokens + elapsed * this.#bytesPerMs);
  }
}
