import { UpsocketError, type Connection } from '../core/index.js';
import { aBoolean, aFunction, atLeast, defineOptions, positiveInteger, type OptionCheck } from '../core/internal.js';
import type { TopicBackend, TopicHistoryOptions } from './backend.js';

/** Options of `createTopics()`. */
export interface TopicsOptions {
  /** What carries messages between processes. Default: `createMemoryBackend()` (this process only). */
  backend?: TopicBackend | undefined;
  /**
   * A subscriber with more than this many bytes still waiting to be sent when a message for it
   * arrives is too far behind: it is closed with 1013 (try again later) instead of being buffered
   * without bound. What counts is what stayed buffered after the last tick's writes were handed
   * to the network, so a burst published within one tick does not close healthy subscribers.
   * Default: 1 MiB.
   */
  maxBufferedAmount?: number | undefined;
  /**
   * Keep each topic's recent messages, give each an id, and let `subscribe()` replay them from
   * `since`. Needs a backend that keeps history (the memory one does). Default: off, no ids.
   */
  history?: TopicHistoryOptions | undefined;
  /** Deliver messages in the envelope (see docs/topics.md, "The envelope") unless `subscribe()` says otherwise. Default: false. */
  envelope?: boolean | undefined;
  /**
   * With `history`: messages of `topic` never reached this process's subscribers and could not be
   * read back from the history (with Redis: this process's subscriber connection was down longer
   * than the history reaches, or Redis lost the stream meanwhile). Subscribers with the envelope
   * got the seam `{"topic","after","gap":true}` in their stream; those in `gap.raw` got nothing
   * that says so: resync them (send them a snapshot, or close them so their client resumes).
   * Default: one line on stderr when `gap.raw` is not empty.
   *
   * @example
   * createTopics({ history: {}, onGap: (topic, { raw }) => raw.forEach((connection) => void connection.close(1012, 'resync')) })
   */
  onGap?: ((topic: string, gap: TopicGap) => void) | undefined;
  /** How presence batches diffs and holds back leaves (docs/presence.md). Default: `{ interval: 50, grace: 5000 }`. */
  presence?: PresenceOptions | undefined;
}

/**
 * Presence settings: the `presence` option of `createTopics()`.
 *
 * @example
 * createTopics({ presence: { interval: 100, grace: 10_000 } })
 */
export interface PresenceOptions {
  /** The window (ms) a topic's presence changes are coalesced over into one diff. Default: 50. */
  interval?: number | undefined;
  /**
   * How long (ms) the meta of a connection that closed stays listed before it leaves, so that a
   * member reconnecting (to this process or another) does not flap leave/join. A track of the same
   * key in the same topic and process ends it early. `untrack()` has no grace. Default: 5000.
   */
  grace?: number | undefined;
}

/** What `onGap` hears: the subscribers in this process that missed messages of a topic. */
export interface TopicGap {
  /** The newest id of the topic its subscribers got before the missing messages (the seam's `after`). */
  after: string | undefined;
  /** Subscribers that receive raw messages: nothing on the wire told them. */
  raw: Connection[];
  /** Subscribers with the envelope: they got the seam with `"gap":true`. */
  enveloped: Connection[];
}

/** Options of `topics.subscribe()`. */
export interface SubscribeOptions {
  /**
   * The id of the last message the client has: the subscription first replays every kept
   * message after it, then goes live, with no gap and no duplicate between the two. Needs
   * `history`; without it an id here makes the result say `gap: true`.
   *
   * Left out (or undefined) with `history`: the resume point the client sent for this topic in
   * its upgrade URL (`resumePoints(connection.request)[name]`), taken by the connection's first
   * subscribe to the topic; none there, live from now. `null`: live from now, whatever the URL
   * says (the seam still tells the client where the subscription started).
   *
   * @example
   * await topics.subscribe(connection, 'room:lobby') // resumes where the client says it left off
   * await topics.subscribe(connection, 'ticker', { since: null }) // only what comes from now on
   */
  since?: string | null | undefined;
  /** This subscription's messages in the envelope, or raw. Default: the `envelope` of `createTopics()`. */
  envelope?: boolean | undefined;
  /**
   * Also send the topic's presence: its members in one state frame, then their joins, leaves and
   * updates as batched diff frames (docs/protocol.md, "Presence"), in the envelope whatever
   * `envelope` says. `subscribe()` resolves once the state went out. A connection already
   * subscribed to the topic is left as it is: unsubscribe it first. Default: false.
   *
   * @example
   * await topics.subscribe(connection, 'room:lobby', { presence: true })
   */
  presence?: boolean | undefined;
}

/** What `topics.subscribe()` resolves to. */
export interface SubscribeResult {
  /**
   * True when messages after `since` could not be replayed: dropped by the history's bounds, the
   * id is from another history (a restarted process, a Redis stream lost and recreated), never
   * given or malformed, or the topics keep no history; also when live messages never reached this
   * process while the subscription caught up (see `onGap`). The subscriber should resync (from a
   * database, say). False without a resume point (no `since` and none in the upgrade URL, or
   * `since: null`), unless live messages were lost so.
   */
  gap: boolean;
  /** The id of the topic's last message before the live ones (the seam); undefined without history or before any message. */
  after: string | undefined;
}

/** @internal */
export const historyOptions = defineOptions<{ maxMessages: number; maxAge: number }>({
  maxMessages: { default: 1000, check: positiveInteger },
  maxAge: { default: Infinity, check: positiveInteger },
});

const historyCheck: OptionCheck<TopicHistoryOptions | undefined> = (value, key, caller) => {
  historyOptions.resolve(`${caller} ${key}`, value);
};

/** @internal */
export const presenceOptions = defineOptions<{ interval: number; grace: number }>({
  interval: { default: 50, check: positiveInteger },
  grace: { default: 5000, check: atLeast(0) },
});

const presenceCheck: OptionCheck<PresenceOptions | undefined> = (value, key, caller) => {
  presenceOptions.resolve(`${caller} ${key}`, value);
};

// No default backend here: each Topics gets a memory backend of its own.
/** @internal */
export const topicsOptions = defineOptions<{
  backend: TopicBackend | undefined;
  maxBufferedAmount: number;
  history: TopicHistoryOptions | undefined;
  envelope: boolean;
  onGap: ((topic: string, gap: TopicGap) => void) | undefined;
  presence: PresenceOptions | undefined;
}>({
  backend: { default: undefined },
  maxBufferedAmount: { default: 1024 * 1024, check: positiveInteger },
  history: { default: undefined, check: historyCheck },
  envelope: { default: false, check: aBoolean },
  onGap: { default: undefined, check: aFunction() },
  presence: { default: undefined, check: presenceCheck },
});

const sinceCheck: OptionCheck<string | null | undefined> = (value, key) => {
  if (value !== null && typeof value !== 'string') {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', `${key} must be a message id (a string), or null for live messages only`);
  }
};

/** @internal */
export const subscribeOptions = defineOptions<{ since: string | null | undefined; envelope: boolean; presence: boolean }>({
  since: { default: undefined, check: sinceCheck },
  envelope: { default: false, check: aBoolean },
  presence: { default: false, check: aBoolean },
});
