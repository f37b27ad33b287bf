import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { WsTransport, type TransportSink } from '../core/internal.js';
import { parseEnvelope, ResumePoints } from '../wire/index.js';

/** Whether an incoming frame goes on to the connection's reader. */
export type IncomingFilter = (data: Buffer, binary: boolean) => boolean;

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
        if (this.#keep(data, binary)) sink.onMessage(data, binary);
      },
      onPong: () => sink.onPong(),
      onProtocolError: (closeCode) => sink.onProtocolError(closeCode),
      onClose: (closeCode, reason) => sink.onClose(closeCode, reason),
    });
  }
}

/**
 * @internal The resume side of `reconnecting()`: the wire format's resume points (the browser
 * client's bookkeeping too) over Node frames. Envelope messages already seen are dropped; seam
 * markers are consumed here (a gap, said or inferred by the seam rule, goes to `onGap`); everything
 * else reaches the handler unchanged.
 */
export class ResumeTracker {
  readonly points = new ResumePoints();
  readonly #onGap: (topic: string) => void;

  constructor(onGap: (topic: string) => void) {
    this.#onGap = onGap;
  }

  readonly keep: IncomingFilter = (data, binary) => {
    // Envelope frames are JSON objects: a first byte other than '{' is the app's own message.
    if (binary || data[0] !== 0x7b) return true;
    const envelope = parseEnvelope(data.toString('utf8'));
    if (envelope === undefined) return true;
    if (envelope.kind === 'message') return envelope.id === undefined || this.points.accept(envelope.topic, envelope.id);
    // Presence frames go to the app as they came: this client keeps no presence list.
    if (envelope.kind !== 'seam') return true;
    if (this.points.seam(envelope.topic, envelope.after, envelope.gap)) this.#onGap(envelope.topic);
    return false;
  };
}
