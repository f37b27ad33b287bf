import type { TopicReplay } from './backend.js';
import { parseId } from '../wire/index.js';
import type { PreparedMessage } from './prepared-message.js';

const NO_MESSAGES: PreparedMessage[] = [];

/**
 * One topic's log: the kept messages, oldest first, and how far the sequence went. The kept
 * messages are a contiguous run of sequence numbers, `dropped + 1` to `seq`, so the message after
 * any id is found by subtraction.
 */
class TopicLog {
  /** The last sequence number given. */
  seq = 0;
  /** The sequence number of the last message dropped (0: none yet). */
  dropped = 0;
  /** Kept messages from index `head`; the slots before it are dropped ones not yet compacted away. */
  messages: PreparedMessage[] = [];
  /** When each kept message was published (Date.now()), only with a maxAge. */
  times: number[] = [];
  head = 0;

  get length(): number {
    return this.messages.length - this.head;
  }

  dropOldest(count: number): void {
    this.head += count;
    this.dropped += count;
    if (this.head === this.messages.length) {
      this.messages = [];
      this.times = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.messages.length) {
      this.messages = this.messages.slice(this.head);
      if (this.times.length > 0) this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}

/** The last epoch given in this process: two histories never share one, even made in the same ms. */
let lastEpoch = 0;

/**
 * @internal The memory backend's history: per topic, the last `maxMessages` messages no older
 * than `maxAge`. Ids are `<epoch>-<seq>`: the epoch is when this history was created, so a process
 * started later (with a clock that moved on) gives ids greater than any from before. An id is this
 * history's only when its epoch is: the epoch is what tells "this history" from another process's
 * or an earlier one's, whose sequence numbers would otherwise look like ours. Two processes whose
 * histories were created in the same ms share an epoch, the one case it cannot tell apart.
 */
export class MemoryHistory {
  readonly #epoch = (lastEpoch = Math.max(Date.now(), lastEpoch + 1));
  readonly #maxMessages: number;
  readonly #maxAge: number;
  readonly #logs = new Map<string, TopicLog>();

  constructor(maxMessages: number, maxAge: number) {
    this.#maxMessages = maxMessages;
    this.#maxAge = maxAge;
  }

  /** Gives `message` the topic's next id and keeps it; returns the message with its id. */
  append(topic: string, message: PreparedMessage): PreparedMessage {
    let log = this.#logs.get(topic);
    if (log === undefined) {
      log = new TopicLog();
      this.#logs.set(topic, log);
    }
    const sequenced = message.withId(`${this.#epoch}-${++log.seq}`);
    log.messages.push(sequenced);
    if (this.#maxAge !== Infinity) {
      const now = Date.now();
      log.times.push(now);
      this.#dropExpired(log, now);
    }
    if (log.length > this.#maxMessages) log.dropOldest(log.length - this.#maxMessages);
    return sequenced;
  }

  /** What is kept of `topic` after `since` (see `TopicReplay`); no messages without `since`. */
  replay(topic: string, since: string | undefined): TopicReplay {
    const log = this.#logs.get(topic);
    if (log !== undefined && this.#maxAge !== Infinity) this.#dropExpired(log, Date.now());
    // `<epoch>-0` for a topic with no message yet: a point of this history (before its first
    // message) a subscriber can resume from, so what is published while it is away is not lost.
    const last = `${this.#epoch}-${log?.seq ?? 0}`;
    if (since === undefined) return { messages: NO_MESSAGES, last, gap: false };
    const position = parseId(since);
    const seq = log?.seq ?? 0;
    // Not ours (another epoch, malformed, or beyond what we gave): everything kept, and a gap,
    // unless it is from a later epoch (nothing we hold can come after it).
    if (position === undefined || position.ms !== this.#epoch || position.seq > seq) {
      const later = position !== undefined && (position.ms > this.#epoch || (position.ms === this.#epoch && position.seq > seq));
      return { messages: later || log === undefined ? NO_MESSAGES : this.#after(log, 0), last, gap: true };
    }
    if (log === undefined) return { messages: NO_MESSAGES, last, gap: false };
    return { messages: this.#after(log, position.seq), last, gap: position.seq < log.dropped };
  }

  /** The kept messages with a sequence number above `seq`. */
  #after(log: TopicLog, seq: number): PreparedMessage[] {
    const skip = Math.max(0, seq - log.dropped);
    return log.messages.slice(log.head + skip);
  }

  #dropExpired(log: TopicLog, now: number): void {
    const oldest = now - this.#maxAge;
    let expired = 0;
    while (expired < log.length && log.times[log.head + expired]! < oldest) expired++;
    if (expired > 0) log.dropOldest(expired);
  }
}
