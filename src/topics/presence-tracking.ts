import { UpsocketError } from '../core/index.js';

/** @internal What a tracking asks of the presence that made it. */
export interface TrackingOwner {
  update(tracking: PresenceTracking, meta: unknown): void;
  untrack(tracking: PresenceTracking): void;
}

/** @internal `meta` as the JSON value it will travel as (a copy the app cannot change later); `undefined` is `null`. */
export function jsonMeta(meta: unknown, caller: string): unknown {
  if (meta === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(meta);
  } catch (error) {
    throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', `${caller} cannot encode meta as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new UpsocketError('UPSOCKET_INVALID_PAYLOAD', `${caller} cannot encode meta as JSON (got ${typeof meta})`);
  return JSON.parse(text) as unknown;
}

/** @internal A tracking left by itself (the grace after its connection closed, or the topics closed). */
export let endTracking: (tracking: PresenceTracking) => void;

/**
 * One connection tracked in a topic's presence: a meta of member `key`. Returned by
 * `topics.track()`. It lasts until `untrack()`, or until its connection closed and the grace
 * period (`createTopics({ presence: { grace } })`) passed.
 *
 * @example
 * const tracking = topics.track(connection, 'doc:42', userId, { cursor: null })
 * tracking.update({ cursor: { line: 3 } })
 * tracking.untrack()
 */
export class PresenceTracking {
  /** The topic. */
  readonly topic: string;
  /** The member's key (a user id, say): one member however many connections track it. */
  readonly key: string;
  /** This meta's ref, unique across processes: what diffs name it by. */
  readonly ref: string;
  #meta: unknown;
  #tracked: boolean;
  readonly #owner: TrackingOwner;

  /** @internal Use `topics.track()`. */
  constructor(owner: TrackingOwner, topic: string, key: string, ref: string, meta: unknown, tracked: boolean) {
    this.#owner = owner;
    this.topic = topic;
    this.key = key;
    this.ref = ref;
    this.#meta = meta;
    this.#tracked = tracked;
  }

  /** The metadata, as it travels (a JSON copy). */
  get meta(): unknown {
    return this.#meta;
  }

  /** True until it left (untracked, or its connection closed and the grace passed). */
  get tracked(): boolean {
    return this.#tracked;
  }

  /**
   * Replaces the metadata (a JSON value); subscribers get the member's `update`. Does nothing once
   * it left. Throws `UPSOCKET_INVALID_PAYLOAD` for a value JSON cannot encode.
   */
  update(meta: unknown): void {
    const value = jsonMeta(meta, 'tracking.update()');
    if (!this.#tracked) return;
    this.#meta = value;
    this.#owner.update(this, value);
  }

  /** Ends it now (no grace): subscribers get the member's `leave` if it was its last meta. */
  untrack(): void {
    if (!this.#tracked) return;
    this.#tracked = false;
    this.#owner.untrack(this);
  }

  static {
    endTracking = (tracking) => {
      tracking.#tracked = false;
    };
  }
}
