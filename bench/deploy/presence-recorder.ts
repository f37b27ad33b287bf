// What the upsocket load records of presence with --presence (contract.ts, "Presence"): the presence
// frames and bytes its clients received, the member events their `onPresence` heard, and the flaps
// (presence-flaps.ts). Sent with each LoadTick; the flaps on request, at the end.
import { WsTransport, type TransportSink } from '../../src/core/internal.js';
import type { PresenceMemberEvent } from '../../src/index.js';
import type { PresenceTick } from './contract.js';
import { FlapCounter } from './presence-flaps.js';

/** How a presence frame starts after its topic (docs/protocol.md, "Presence"): `{"topic":"t3","presence":"diff",…`. */
const presenceMark = Buffer.from(',"presence":"');
const letterS = 0x73;

function emptyTick(): PresenceTick {
  return { stateFrames: 0, stateBytes: 0, diffFrames: 0, diffBytes: 0, largestDiffBytes: 0, metaJoins: 0, metaLeaves: 0, joins: 0, leaves: 0, updates: 0 };
}

function metaCount(members: unknown): number {
  if (typeof members !== 'object' || members === null) return 0;
  return Object.values(members).reduce((sum: number, metas) => sum + (Array.isArray(metas) ? metas.length : 0), 0);
}

/**
 * Calls `onFrame` with every text frame any client of this process receives, before the client looks
 * at it. The Node client consumes presence frames itself (they never reach the handler, and
 * `onPresence` hears member events, not frames), and has no hook for the frames: so the bench wraps
 * the sink every `WsTransport` (the resume filter's too) is bound to. Bench only; one extra call per
 * frame.
 */
export function tapIncomingFrames(onFrame: (data: Buffer) => void): void {
  const bind = WsTransport.prototype.bind;
  WsTransport.prototype.bind = function bindTapped(this: WsTransport, sink: TransportSink): void {
    bind.call(this, {
      onMessage: (data, binary, text) => {
        if (!binary) onFrame(data);
        if (text === undefined) sink.onMessage(data, binary);
        else sink.onMessage(data, binary, text);
      },
      onPong: () => sink.onPong(),
      onProtocolError: (closeCode, reason) => sink.onProtocolError(closeCode, reason),
      onClose: (closeCode, reason) => sink.onClose(closeCode, reason),
    });
  };
}

export class PresenceRecorder {
  readonly flaps = new FlapCounter();
  #tick = emptyTick();

  /** A text frame a client received: counted when it is a presence frame. */
  frame(data: Buffer): void {
    if (data[0] !== 0x7b) return;
    const at = data.indexOf(presenceMark);
    if (at === -1) return;
    const tick = this.#tick;
    if (data[at + presenceMark.length] === letterS) {
      tick.stateFrames++;
      tick.stateBytes += data.length;
      return;
    }
    tick.diffFrames++;
    tick.diffBytes += data.length;
    tick.largestDiffBytes = Math.max(tick.largestDiffBytes, data.length);
    // Parsed a second time (the client parses it too): diffs are few, and what they carry is the point.
    const diff = JSON.parse(data.toString()) as { joins?: unknown; leaves?: unknown };
    tick.metaJoins += metaCount(diff.joins);
    tick.metaLeaves += metaCount(diff.leaves);
  }

  /** Client `client`'s `onPresence` heard `event` at `at`. */
  event(client: number, event: PresenceMemberEvent, at: number): void {
    if (event.change === 'join') this.#tick.joins++;
    else if (event.change === 'leave') this.#tick.leaves++;
    else this.#tick.updates++;
    this.flaps.record(client, event.topic, event.key, event.change, at);
  }

  /** The counts since the previous tick. */
  tick(): PresenceTick {
    const tick = this.#tick;
    this.#tick = emptyTick();
    return tick;
  }
}
