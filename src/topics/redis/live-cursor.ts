import type { StreamReplay } from './redis-history.js';
import { compareIds } from '../../wire/index.js';
import type { PreparedMessage } from '../prepared-message.js';

/** Reads what a topic's history keeps after `since`. */
export type BackfillReplay = (topic: string, since: string) => Promise<StreamReplay>;

/**
 * @internal With history: where each topic's live messages (from pub/sub) got to in this process,
 * so that what pub/sub lost while the subscriber connection was down is read from the stream once
 * it is back. Messages pass in id order, each once: during a backfill, live ones are held, then
 * those after the backfilled ones are let through. When the stream no longer holds everything
 * since (trimmed, or lost with Redis), or could not be read, `gap` says so, between the
 * backfilled messages and the held ones.
 */
export class LiveCursor {
  readonly #last = new Map<string, string>();
  /**
   * Topics with no live message yet: the earliest `last` a replay of theirs answered. Every
   * subscriber was replayed to up to at least there, so a backfill from it misses nothing and
   * repeats nothing; and when the stream was lost and recreated since, even between two of those
   * replays, the earliest point is the one the new stream does not account for: a gap.
   */
  readonly #floor = new Map<string, string>();
  /**
   * Per topic: how many backfills found no point to start from (no live message yet, and no replay
   * of a subscriber had answered). A replay pending meanwhile reads again (see `replay()`).
   */
  readonly #unplaced = new Map<string, number>();
  /** Per topic being backfilled: the live messages held meanwhile, and how many backfills are pending. */
  readonly #held = new Map<string, { messages: PreparedMessage[]; pending: number }>();
  readonly #emit: (topic: string, message: PreparedMessage) => void;
  readonly #gap: (topic: string, after: string | undefined) => void;

  /** `emit` hands a message to the listeners; `gap` tells them messages before the next ones are missing. */
  constructor(emit: (topic: string, message: PreparedMessage) => void, gap: (topic: string, after: string | undefined) => void) {
    this.#emit = emit;
    this.#gap = gap;
  }

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
   * Runs a subscriber's replay of `topic` (`read`, from `since`). When a backfill of the topic ran
   * meanwhile without a point to start from (this replay had not answered yet), messages published
   * after the replay's read and before that resubscribe reached neither: so it reads again from the
   * answer's `last` (after the resubscribe, whose live messages cover the rest) and answers both
   * reads as one replay (a gap in either is a gap).
   */
  async replay(topic: string, since: string | undefined, read: (since: string | undefined) => Promise<StreamReplay>): Promise<StreamReplay> {
    let unplaced = this.#unplaced.get(topic) ?? 0;
    let replay = await read(since);
    while ((this.#unplaced.get(topic) ?? 0) !== unplaced) {
      unplaced = this.#unplaced.get(topic) ?? 0;
      const more = await read(replay.last);
      replay = { messages: [...replay.messages, ...more.messages], last: more.last, gap: replay.gap || more.gap };
    }
    return replay;
  }

  /**
   * A replay of `topic`, which has listeners, answered `last` (after the subscription was made):
   * until its first live message, a backfill starts there.
   */
  replayed(topic: string, last: string): void {
    if (this.#last.has(topic)) return;
    const floor = this.#floor.get(topic);
    if (floor === undefined || compareIds(last, floor) < 0) this.#floor.set(topic, last);
  }

  /**
   * Call before resubscribing, with every topic that has listeners: holds their live messages;
   * call `backfill()` once for each. Holds taken while a backfill is pending (a cluster can
   * replace several shards' subscriber connections in a row) add up: what was held so far stays
   * held, and is let through after the last of them. A topic with no live message and no replay
   * yet is held too: its first subscriber's replay may answer before its backfill starts.
   */
  hold(topics: readonly string[]): void {
    for (const topic of topics) {
      const held = this.#held.get(topic);
      if (held === undefined) this.#held.set(topic, { messages: [], pending: 1 });
      else held.pending++;
    }
  }

  /**
   * Hands the listeners what `replay` kept after the topic's last live message, then (when the
   * replay says messages are missing, or it failed and no other backfill is pending to make up for
   * it) the gap, then what was held meanwhile, in order and once; then lets live messages through
   * again. Rejects with the replay's error, after letting the held messages through.
   *
   * `subscribed` false: the resubscribe failed, so no live message flows until the next one, whose
   * backfill starts from the same point; the stream is read only when live messages were held
   * meanwhile (a cluster's other shards), which go out after it.
   */
  async backfill(topic: string, replay: BackfillReplay, subscribed = true): Promise<void> {
    const since = this.#last.get(topic) ?? this.#floor.get(topic);
    const heldAny = (): boolean => (this.#held.get(topic)?.messages.length ?? 0) > 0;
    let gap = false;
    let failed = true;
    if (since === undefined) this.#unplaced.set(topic, (this.#unplaced.get(topic) ?? 0) + 1);
    try {
      if (since !== undefined && (subscribed || heldAny())) {
        const result = await replay(topic, since);
        // Live messages held meanwhile that the stream trimmed before the read came first: they
        // are older than everything it kept, and would be taken for repeats after it.
        const oldestKept = result.messages[0]?.id;
        if (oldestKept !== undefined) {
          for (const message of this.#held.get(topic)?.messages ?? []) {
            if (compareIds(message.id!, oldestKept) >= 0) break;
            if (this.#advance(topic, message)) this.#emit(topic, message);
          }
        }
        for (const message of result.messages) if (this.#advance(topic, message)) this.#emit(topic, message);
        gap = result.gap;
      }
      failed = false;
    } finally {
      const held = this.#held.get(topic);
      const last = held !== undefined && --held.pending === 0;
      // A failed read leaves a hole the next live message would step over, unless another
      // backfill is still to come (it starts from where this one would have).
      if (gap || (failed && last && (subscribed || held.messages.length > 0))) this.#gap(topic, this.#last.get(topic) ?? this.#floor.get(topic));
      if (last) {
        this.#held.delete(topic);
        for (const message of held.messages) if (this.#advance(topic, message)) this.#emit(topic, message);
      }
    }
  }

  /** The topic has no listeners left here. */
  forget(topic: string): void {
    this.#last.delete(topic);
    this.#floor.delete(topic);
    this.#held.delete(topic);
    this.#unplaced.delete(topic);
  }

  #advance(topic: string, message: PreparedMessage): boolean {
    const last = this.#last.get(topic);
    if (last !== undefined && compareIds(message.id!, last) <= 0) return false;
    this.#last.set(topic, message.id!);
    return true;
  }
}
