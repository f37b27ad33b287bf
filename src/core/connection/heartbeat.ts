import type { Connection } from './connection.js';
import { probe } from './internals.js';

/**
 * One timer for every connection with the same interval, instead of a timer per connection: at
 * each tick a connection that answered the last ping is pinged again, one that did not is dropped.
 *
 * @internal
 */
export class Heartbeat {
  readonly #connections = new Set<Connection>();
  readonly #timer: NodeJS.Timeout;

  constructor(interval: number) {
    this.#timer = setInterval(() => {
      for (const connection of this.#connections) probe(connection);
    }, interval);
    // A heartbeat alone must not keep the process alive.
    this.#timer.unref();
  }

  add(connection: Connection): void {
    this.#connections.add(connection);
  }

  delete(connection: Connection): void {
    this.#connections.delete(connection);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#connections.clear();
  }
}
