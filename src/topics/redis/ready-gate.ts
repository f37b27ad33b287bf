import type { RedisClient } from './redis-link.js';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * @internal Lets commands wait for a Redis connection (or cluster) to be ready, for a bounded time. One
 * `'ready'` listener per connection however many commands wait, and they resume in the order they
 * started waiting, which keeps one publisher's messages in order across a reconnect.
 */
export class ReadyGate {
  readonly #client: RedisClient;
  readonly #waiters = new Set<Waiter>();

  constructor(client: RedisClient) {
    this.#client = client;
    client.on('ready', () => this.#open());
  }

  /** Resolves once the connection is ready; rejects with `timedOut()` after `timeout` ms. */
  wait(timeout: number, timedOut: () => Error): Promise<void> {
    if (this.#client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(timedOut());
        }, timeout),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Fails every waiting command now (the backend is closing). */
  close(error: Error): void {
    for (const waiter of this.#take()) waiter.reject(error);
  }

  #open(): void {
    for (const waiter of this.#take()) waiter.resolve();
  }

  #take(): Waiter[] {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) clearTimeout(waiter.timer);
    return waiters;
  }
}
