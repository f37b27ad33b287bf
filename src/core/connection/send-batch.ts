import { publishPause } from './publish.js';
import type { Transport } from './transport.js';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

const resolved = Promise.resolve();

/**
 * @internal A connection's writes within one tick, and the `flush()`es waiting for the socket.
 * The socket is corked on the first write of a tick and uncorked on `nextTick` (or earlier, by
 * `end()`), so a tick's messages leave in one packet. `flush()` resolves once the transport's
 * buffer is at or below the send high-water mark, so a writer that awaits it cannot outrun a
 * slow reader.
 */
export class SendBatch {
  readonly #transport: Transport;
  readonly #highWaterMark: number;
  #batching = false;
  #backlogAtStart = 0;
  #drainWaiters: Waiter[] | undefined;
  /** The connection, for the `upsocket:pause`/`resume` channels. */
  readonly #owner: unknown;

  constructor(transport: Transport, highWaterMark: number, owner?: unknown) {
    this.#transport = transport;
    this.#highWaterMark = highWaterMark;
    this.#owner = owner;
  }

  /**
   * Bytes the network has not taken: `bufferedAmount` without this tick's writes, which are corked
   * and leave together at the end of the tick. What a slow-subscriber policy measures.
   */
  get backlog(): number {
    return this.#batching ? this.#backlogAtStart : this.#transport.bufferedAmount;
  }

  /** Called before every write: corks the transport on the tick's first one. */
  begin(): void {
    if (this.#batching) return;
    this.#batching = true;
    this.#backlogAtStart = this.#transport.bufferedAmount;
    this.#transport.cork();
    process.nextTick(() => this.end());
  }

  /** Hands the tick's writes to the transport now. */
  end(): void {
    if (!this.#batching) return;
    this.#batching = false;
    this.#transport.uncork();
  }

  /** Ends the batch and resolves once the transport's buffer is at or below the mark. */
  flush(): Promise<void> {
    this.end();
    if (this.#transport.bufferedAmount <= this.#highWaterMark) return resolved;
    return new Promise((resolve, reject) => {
      const watching = this.#drainWaiters !== undefined;
      (this.#drainWaiters ??= []).push({ resolve, reject });
      if (watching) return;
      publishPause(this.#owner, 'send', true);
      this.#transport.whenDrained(() => this.#checkDrained());
    });
  }

  /** The connection closed: nothing is corked any more, and every waiting flush rejects. */
  close(error: () => unknown): void {
    this.#batching = false;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    for (const waiter of waiters ?? []) waiter.reject(error());
  }

  #checkDrained(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined) return;
    if (this.#transport.bufferedAmount > this.#highWaterMark) {
      this.#transport.whenDrained(() => this.#checkDrained());
      return;
    }
    this.#drainWaiters = undefined;
    publishPause(this.#owner, 'send', false);
    for (const waiter of waiters) waiter.resolve();
  }
}
