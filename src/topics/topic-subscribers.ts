import type { Connection } from '../core/index.js';
import { backlogOf, publishDeliver, publishSlowSubscriber, sendShared, type SharedMessage } from '../core/internal.js';
import type { TopicReplay } from './backend.js';
import { compareIds, seamText } from '../wire/index.js';
import { envelopeOf, sharedOf, type PreparedMessage } from './prepared-message.js';

/** The close reason a subscriber that fell behind gets, with close code 1013. */
export const SLOW_SUBSCRIBER_REASON = 'Too far behind: reconnect to catch up';

/** A subscriber being replayed to: how it receives messages, and the live ones that arrived meanwhile. */
export interface CatchingUp {
  envelope: boolean;
  live: PreparedMessage[];
  /** Set once its replay was asked for: a gap in the live messages after that may not be in it. */
  replaying: boolean;
  /** The backend lost live messages after the replay was asked for. */
  missed: boolean;
}

/** A subscriber just replayed to, until the first live message after its seam: `after` is the seam. */
interface Settling {
  envelope: boolean;
  after: string;
}

/**
 * @internal The connections in this process subscribed to one topic, by how they receive its
 * messages: raw (the default), in the envelope, not yet (being replayed to), or settling (just
 * replayed to: a backend whose live messages travel apart from its replay, like Redis's pub/sub
 * beside its streams, may still deliver some the replay had). A topic whose subscribers all take
 * raw messages costs what it did before history and envelopes existed.
 */
export class TopicSubscribers {
  readonly #topic: string;
  readonly #raw = new Set<Connection>();
  #enveloped: Set<Connection> | undefined;
  #catchingUp: Map<Connection, CatchingUp> | undefined;
  #settling: Map<Connection, Settling> | undefined;

  constructor(topic: string) {
    this.#topic = topic;
  }

  get size(): number {
    return this.#raw.size + (this.#enveloped?.size ?? 0) + (this.#catchingUp?.size ?? 0) + (this.#settling?.size ?? 0);
  }

  has(connection: Connection): boolean {
    return (
      this.#raw.has(connection) ||
      this.#enveloped?.has(connection) === true ||
      this.#catchingUp?.has(connection) === true ||
      this.#settling?.has(connection) === true
    );
  }

  /** Adds a live subscriber. */
  add(connection: Connection, envelope: boolean): void {
    if (envelope) (this.#enveloped ??= new Set()).add(connection);
    else this.#raw.add(connection);
  }

  /** Adds a subscriber that receives nothing until `finishCatchUp()`; live messages wait for it. */
  addCatchingUp(connection: Connection, envelope: boolean): CatchingUp {
    const waiting: CatchingUp = { envelope, live: [], replaying: false, missed: false };
    (this.#catchingUp ??= new Map()).set(connection, waiting);
    return waiting;
  }

  /** True when `connection` was a subscriber, in whatever state. */
  delete(connection: Connection): boolean {
    return (
      this.#raw.delete(connection) ||
      this.#enveloped?.delete(connection) === true ||
      this.#catchingUp?.delete(connection) === true ||
      this.#settling?.delete(connection) === true
    );
  }

  /** Sends a live message to the subscribers; closes with 1013 those over `maxBufferedAmount`. */
  deliver(message: PreparedMessage, maxBufferedAmount: number): void {
    if (this.#settling !== undefined && this.#settling.size > 0) this.#settle(message);
    let delivered = 0;
    if (this.#raw.size > 0) delivered += fanOut(this.#topic, this.#raw, sharedOf(message), maxBufferedAmount);
    const enveloped = this.#enveloped;
    if (enveloped !== undefined && enveloped.size > 0) delivered += fanOut(this.#topic, enveloped, envelopeOf(message, this.#topic), maxBufferedAmount);
    publishDeliver(this.#topic, delivered);
    if (this.#catchingUp !== undefined) for (const waiting of this.#catchingUp.values()) waiting.live.push(message);
  }

  /**
   * Ends a catch-up, all in one go so no live message can come between: sends `replay`'s
   * messages, the seam (in the envelope), then the live messages that arrived meanwhile and come
   * after the seam, and makes `connection` a live subscriber. Returns the seam's id, and whether
   * messages are missing: the replay's gap, or a gap in the live messages meanwhile that the replay
   * did not reach past. Does nothing when `waiting` (what `addCatchingUp()` returned) is over: the
   * connection left in the meantime, perhaps to subscribe again with another catch-up of its own.
   */
  finishCatchUp(connection: Connection, waiting: CatchingUp, replay: TopicReplay): { after: string | undefined; gap: boolean } {
    let after = replay.last;
    if (this.#catchingUp?.get(connection) !== waiting) return { after, gap: replay.gap };
    this.#catchingUp.delete(connection);
    const { envelope, live } = waiting;
    const newest = replay.messages.at(-1)?.id;
    if (newest !== undefined && (after === undefined || compareIds(newest, after) > 0)) after = newest;
    const gap = replay.gap || waiting.missed;
    for (const message of replay.messages) this.#sendOne(connection, message, envelope);
    if (envelope) this.sendSeam(connection, after, gap);
    let wentLive = after === undefined;
    for (const message of live) {
      // Published before the seam: replayed above, or before the `since` the client had.
      if (after !== undefined && message.id !== undefined && compareIds(message.id, after) <= 0) continue;
      this.#sendOne(connection, message, envelope);
      // Live messages come in id order: none from before the seam can follow this one.
      wentLive = true;
    }
    if (wentLive) this.add(connection, envelope);
    else (this.#settling ??= new Map()).set(connection, { envelope, after });
    return { after, gap };
  }

  /**
   * The backend lost live messages of this topic (`after`: the newest id handed out before the
   * notice). Every subscriber whose replay was asked for before now may lack some: the live ones
   * in the envelope get the seam with `"gap":true` (what follows is live, as after a resume's
   * replay), and so do the settling ones (they stay settling: messages up to their own seam may
   * still come); those being replayed to get it in their own seam. Those whose replay is still to
   * be asked for read the stream after the loss: nothing to tell them. Returns the live and
   * settling subscribers hit, by how they receive messages (nothing on the wire tells raw ones).
   */
  gap(after: string | undefined): { raw: Connection[]; enveloped: Connection[] } {
    const raw = [...this.#raw];
    const enveloped = [...(this.#enveloped ?? [])];
    for (const [connection, settling] of this.#settling ?? []) (settling.envelope ? enveloped : raw).push(connection);
    for (const connection of enveloped) this.sendSeam(connection, after, true);
    for (const waiting of this.#catchingUp?.values() ?? []) if (waiting.replaying) waiting.missed = true;
    return { raw: raw.filter(isOpen), enveloped: enveloped.filter(isOpen) };
  }

  /** The envelope's seam marker: what follows is live. */
  sendSeam(connection: Connection, after: string | undefined, gap: boolean): void {
    if (connection.state === 'open') connection.sendText(seamText(this.#topic, after, gap));
  }

  /** Settling subscribers go live with the first message after their seam; earlier ones they had. */
  #settle(message: PreparedMessage): void {
    for (const [connection, { envelope, after }] of this.#settling!) {
      if (message.id !== undefined && compareIds(message.id, after) <= 0) continue;
      this.#settling!.delete(connection);
      this.add(connection, envelope);
    }
  }

  #sendOne(connection: Connection, message: PreparedMessage, envelope: boolean): void {
    // A replay is bounded by the history: no slow-subscriber check while it is written.
    if (connection.state === 'open') sendShared(connection, envelope ? envelopeOf(message, this.#topic) : sharedOf(message));
  }
}

function isOpen(connection: Connection): boolean {
  return connection.state === 'open';
}

/** @internal Sends `shared` to every open connection that is not too far behind; returns how many got it. */
export function fanOut(topic: string, connections: Set<Connection>, shared: SharedMessage, maxBufferedAmount: number): number {
  let delivered = 0;
  for (const connection of connections) {
    // Closing or closed: its closed promise removes it shortly; it can take no more writes.
    if (connection.state !== 'open') continue;
    const backlog = backlogOf(connection);
    if (backlog > maxBufferedAmount) {
      publishSlowSubscriber(connection, topic, backlog);
      void connection.close(1013, SLOW_SUBSCRIBER_REASON);
      continue;
    }
    sendShared(connection, shared);
    delivered++;
  }
  return delivered;
}
