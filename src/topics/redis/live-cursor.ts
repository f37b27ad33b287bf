import type { TopicReplay } from '../backend.js';
import { compareIds } from '../../wire/index.js';
import type { PreparedMessage } from '../prepared-message.js';

/**
 * @internal With history: where each topic's live messages (from pub/sub) got to in this process,
 * so that what pub/sub lost while the subscriber connection was down is read from the stream once
 * it is back. Messages pass in id order, each once: during a backfill, live ones are held, then
 * those after the backfilled ones are let through.
 */
export class LiveCursor {
  readonly #last = new Map<string, string>();
  /** Per topic being backfilled: the live messages held meanwhile, and how many backfills are pending. */
  readonly #held = new Map<string, { messages: PreparedMessage[]; pending: number }>();

  /** Whether to hand `message` (which has an id) to the listeners now. */
  accept(topic: string, message: PreparedMessage): boolean {
    const held = this.#held.get(topic);
    if (held !== undefined) {
      held.messages.push(message);
      return false;
    }
    return this.#advance(topic, message);
  }

  /**
   * Call before resubscribing: holds the live messages of every topic seen so far. Returns those
   * topics; call `backfill()` once for each. Holds taken while a backfill is pending (a cluster can
   * replace several shards' subscriber connections in a row) add up: what was held so far stays
   * held, and is let through after the last of them.
   */
  hold(): string[] {
    const topics = [...this.#last.keys()];
    for (const topic of topics) {
      const held = this.#held.get(topic);
      if (held === undefined) this.#held.set(topic, { messages: [], pending: 1 });
      else held.pending++;
    }
    return topics;
  }

  /**
   * Hands the listeners, through `emit`, what `replay` kept after the topic's last live message,
   * then what was held meanwhile, in order and once; then lets live messages through again.
   */
  async backfill(topic: string, replay: (topic: string, since: string) => Promise<TopicReplay>, emit: (message: PreparedMessage) => void): Promise<void> {
    const last = this.#last.get(topic);
    try {
      if (last !== undefined) for (const message of (await replay(topic, last)).messages) if (this.#advance(topic, message)) emit(message);
    } finally {
      const held = this.#held.get(topic);
      if (held !== undefined && --held.pending === 0) {
        this.#held.delete(topic);
        for (const message of held.messages) if (this.#advance(topic, message)) emit(message);
      }
    }
  }

  /** The topic has no listeners left here. */
  forget(topic: string): void {
    this.#last.delete(topic);
    this.#held.delete(topic);
  }

  #advance(topic: string, message: PreparedMessage): boolean {
    const last = this.#last.get(topic);
    if (last !== undefined && compareIds(message.id!, last) <= 0) return false;
    this.#last.set(topic, message.id!);
    return true;
  }
}
