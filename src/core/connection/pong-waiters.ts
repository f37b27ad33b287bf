interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * @internal The `ping()`s waiting for their pong, oldest first: a pong answers the oldest ping,
 * as pongs come back in the order the pings went out.
 */
export class PongWaiters {
  readonly #waiters: Waiter[] = [];

  /** Resolves on the pong after the ones already awaited. */
  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  pong(): void {
    this.#waiters.shift()?.resolve();
  }

  /** The connection closed: every waiting ping rejects. */
  close(error: () => unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error());
  }
}
