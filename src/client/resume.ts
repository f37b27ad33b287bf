import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { WsTransport, type TransportSink } from '../core/internal.js';
import { parseEnvelope, PresenceList, ResumePoints, type PresenceMeta } from '../wire/index.js';

/**
 * Whether an incoming frame goes on to the connection's reader: false drops it; true, or the
 * frame's text when the filter decoded it (so that `message.text()` need not decode it again), keeps it.
 */
export type IncomingFilter = (data: Buffer, binary: boolean) => boolean | string;

/** @internal A client transport whose incoming messages pass a filter first (`reconnecting({ resume: true })`). */
export class FilteredTransport extends WsTransport {
  readonly #keep: IncomingFilter;

  constructor(ws: WebSocket, socket: Duplex, keep: IncomingFilter) {
    super(ws, socket);
    this.#keep = keep;
  }

  override bind(sink: TransportSink): void {
    super.bind({
      onMessage: (data, binary) => {
        const kept = this.#keep(data, binary);
        if (kept === true) sink.onMessage(data, binary);
        else if (kept !== false) sink.onMessage(data, binary, kept);
      },
      onPong: () => sink.onPong(),
      onProtocolError: (closeCode) => sink.onProtocolError(closeCode),
      onClose: (closeCode, reason) => sink.onClose(closeCode, reason),
    });
  }
}

/**
 * What `reconnecting({ resume: true, onPresence })` hears when a member of a topic whose presence the
 * server sends changes: `join` (its key got its first meta), `leave` (its last meta went; `metas`
 * are the ones it had), `update` (its metas changed). `client.presence(topic)` is the whole list.
 *
 * @example
 * reconnecting(url, handler, { resume: true, onPresence: ({ topic, change, key }) => console.log(topic, change, key) })
 */
export interface PresenceMemberEvent {
  topic: string;
  change: 'join' | 'leave' | 'update';
  key: string;
  metas: PresenceMeta[];
}

/**
 * @internal The resume side of `reconnecting()`: the wire format's resume points (the browser
 * client's bookkeeping too) over Node frames. Envelope messages already seen are dropped; seam
 * markers are consumed here (a gap, said or inferred by the seam rule, goes to `onGap`), and so are
 * presence frames (kept as a list per topic, member changes to `onPresence`); everything else
 * reaches the handler unchanged.
 */
export class ResumeTracker {
  readonly points = new ResumePoints();
  /** Per topic whose presence the server sends: its members, from the state and diff frames. */
  readonly presence = new Map<string, PresenceList>();
  readonly #onGap: (topic: string) => void;
  readonly #onPresence: (event: PresenceMemberEvent) => void;

  constructor(onGap: (topic: string) => void, onPresence: (event: PresenceMemberEvent) => void) {
    this.#onGap = onGap;
    this.#onPresence = onPresence;
  }

  readonly keep: IncomingFilter = (data, binary) => {
    // Envelope frames are JSON objects: a first byte other than '{' is the app's own message.
    if (binary || data[0] !== 0x7b) return true;
    const text = data.toString();
    const envelope = parseEnvelope(text);
    if (envelope === undefined) return text;
    if (envelope.kind === 'message') return (envelope.id === undefined || this.points.accept(envelope.topic, envelope.id)) && text;
    if (envelope.kind === 'state' || envelope.kind === 'diff') {
      const { topic } = envelope;
      let list = this.presence.get(topic);
      if (list === undefined) this.presence.set(topic, (list = new PresenceList()));
      const changes = envelope.kind === 'state' ? list.state(envelope.members) : list.diff(envelope.joins, envelope.leaves);
      for (const { type, key, metas } of changes) this.#onPresence({ topic, change: type, key, metas });
      return false;
    }
    if (this.points.seam(envelope.topic, envelope.after, envelope.gap)) this.#onGap(envelope.topic);
    return false;
  };
}
