import type { Connection } from './connection.js';
import { probe } from './internals.js';

/** A tick never comes sooner than this: finer slices would only add idle wake-ups. */
const MIN_TICK_MS = 20;
/** At most this many slices per interval, so a 30 s interval ticks every 30 ms. */
const MAX_SLICES = 1000;

/**
 * Pings every connection with the same interval from one timer, spread over the interval: each
 * connection is put in one of `slices` buckets and each tick probes one bucket. A new connection
 * joins the bucket whose turn is furthest away (its first ping comes about one interval after it
 * opened), unless that bucket already holds its share, then the one before it: a burst of new
 * connections spreads evenly. A round of 10,000 connections thus never
 * runs in one callback (that blocked the event loop for ~250 ms); every connection is still
 * probed exactly once per interval, so a peer that stopped answering is dropped within two
 * intervals: pinged at one visit of its bucket, terminated at the next if no pong came.
 *
 * The timer runs only while there are connections, and never keeps the process alive.
 *
 * @internal
 */
export class Heartbeat {
  readonly #buckets: Set<Connection>[];
  readonly #bucketOf = new Map<Connection, Set<Connection>>();
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The bucket the next tick probes. */
  #cursor = 0;
  /** The bucket a new connection tries first: the one probed last, until it holds its share. */
  #fill = 0;

  /**
   * @param spread Whether to spread the probes over the interval: a server's heartbeat serves
   *   many connections; a client connection has one of its own and needs no slices.
   */
  constructor(interval: number, spread = true) {
    const slices = spread ? Math.min(MAX_SLICES, Math.max(1, Math.floor(interval / MIN_TICK_MS))) : 1;
    this.#tickMs = interval / slices;
    this.#buckets = Array.from({ length: slices }, () => new Set<Connection>());
  }

  add(connection: Connection): void {
    if (this.#bucketOf.has(connection)) return;
    const slices = this.#buckets.length;
    // The first connection of a (re)started timer: the bucket probed last is the one before the next.
    if (this.#bucketOf.size === 0) this.#fill = (this.#cursor + slices - 1) % slices;
    // Some bucket is always below its share: all at it would hold more than there are connections.
    const share = Math.ceil((this.#bucketOf.size + 1) / slices);
    while (this.#buckets[this.#fill]!.size >= share) this.#fill = (this.#fill + slices - 1) % slices;
    const bucket = this.#buckets[this.#fill]!;
    bucket.add(connection);
    this.#bucketOf.set(connection, bucket);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#tickMs);
      // A heartbeat alone must not keep the process alive.
      this.#timer.unref();
    }
  }

  delete(connection: Connection): void {
    const bucket = this.#bucketOf.get(connection);
    if (bucket === undefined) return;
    bucket.delete(connection);
    this.#bucketOf.delete(connection);
    if (this.#bucketOf.size === 0) this.#stopTimer();
  }

  stop(): void {
    this.#stopTimer();
    for (const bucket of this.#buckets) bucket.clear();
    this.#bucketOf.clear();
  }

  #tick(): void {
    const bucket = this.#buckets[this.#cursor]!;
    this.#fill = this.#cursor;
    this.#cursor = (this.#cursor + 1) % this.#buckets.length;
    // probe() may terminate a connection; its removal during this loop is safe for a Set.
    for (const connection of bucket) probe(connection);
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
