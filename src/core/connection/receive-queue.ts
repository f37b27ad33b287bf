import { Fifo } from './fifo.js';
import type { Message } from './message.js';
import type { Transport } from './transport.js';

/** A pending `read()`, or a pending `next()` of iteration, which resolves with an IteratorResult. */
interface Reader {
  resolve(value: Message | null | IteratorResult<Message>): void;
  reject(error: unknown): void;
  iterating: boolean;
}

export type ReadResult = Message | null | IteratorResult<Message>;

export const iterationDone: IteratorResult<Message> = Object.freeze({ done: true, value: undefined });

function settle(resolve: Reader['resolve'], iterating: boolean, message: Message | null): void {
  if (!iterating) resolve(message);
  else resolve(message === null ? iterationDone : { done: false, value: message });
}

/** Charged per queued message on top of its payload, so a flood of empty messages is bounded too. */
const MESSAGE_OVERHEAD = 64;

/**
 * @internal The messages a connection received and nobody has read yet, and the reads waiting
 * for one. Bounded by a high-water mark: at the mark the transport is paused (so the peer's
 * writes stay in its own buffers), and resumed once the queue is down to half.
 */
export class ReceiveQueue {
  readonly #highWaterMark: number;
  // Allocated on first use: an idle connection with one pending read needs neither a queue nor a list.
  #messages: Fifo<Message> | undefined;
  #queuedBytes = 0;
  // The first waiting read is kept in three fields rather than a Reader object: an idle
  // connection always has one, and these are cheaper than an object per connection.
  #resolveRead: Reader['resolve'] | undefined;
  #rejectRead: Reader['reject'] | undefined;
  #readIterating = false;
  #moreReaders: Reader[] | undefined;
  #paused = false;

  constructor(highWaterMark: number) {
    this.#highWaterMark = highWaterMark;
  }

  /** Whether we paused the transport because the queue is full. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Hands `message` to the first waiting read, or queues it and pauses `transport` at the mark (then returns true). */
  push(message: Message, transport: Transport): boolean {
    const resolve = this.#resolveRead;
    if (resolve !== undefined) {
      const iterating = this.#readIterating;
      this.#nextReader();
      settle(resolve, iterating, message);
      return false;
    }
    (this.#messages ??= new Fifo()).push(message);
    this.#queuedBytes += message.data.length + MESSAGE_OVERHEAD;
    if (!this.#paused && this.#queuedBytes >= this.#highWaterMark) {
      this.#paused = true;
      transport.pause();
      return true;
    }
    return false;
  }

  /** The oldest queued message; resumes `transport` (when `resume`) once the queue is down to half. */
  shift(transport: Transport, resume: boolean): Message | undefined {
    const message = this.#messages?.shift();
    if (message === undefined) return undefined;
    this.#queuedBytes -= message.data.length + MESSAGE_OVERHEAD;
    if (this.#paused && this.#queuedBytes <= this.#highWaterMark / 2) {
      this.#paused = false;
      if (resume) transport.resume();
    }
    return message;
  }

  /** Lets the transport read again, whatever the queue holds (a close handshake must be read); true if it was paused. */
  unpause(transport: Transport): boolean {
    if (!this.#paused) return false;
    this.#paused = false;
    transport.resume();
    return true;
  }

  /** A read that resolves with the next message pushed, or when `end()`/`fail()` is called. */
  wait(iterating: boolean): Promise<ReadResult> {
    return new Promise((resolve, reject) => {
      if (this.#resolveRead === undefined) {
        this.#resolveRead = resolve;
        this.#rejectRead = reject;
        this.#readIterating = iterating;
      } else {
        (this.#moreReaders ??= []).push({ resolve, reject, iterating });
      }
    });
  }

  /** Every waiting read gets the end of the stream: `null`, or `done` when iterating. */
  end(): void {
    for (let resolve = this.#resolveRead; resolve !== undefined; resolve = this.#resolveRead) {
      const iterating = this.#readIterating;
      this.#nextReader();
      settle(resolve, iterating, null);
    }
  }

  /** Every waiting read rejects with an error of its own from `error()`. */
  fail(error: () => unknown): void {
    for (let reject = this.#rejectRead; reject !== undefined; reject = this.#rejectRead) {
      this.#nextReader();
      reject(error());
    }
  }

  /** The oldest waiting read is settled: the next one, if any, moves up. */
  #nextReader(): void {
    const next = this.#moreReaders?.shift();
    this.#resolveRead = next?.resolve;
    this.#rejectRead = next?.reject;
    this.#readIterating = next?.iterating ?? false;
  }
}
