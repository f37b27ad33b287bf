import type { SharedMessage } from './shared-message.js';

/** Bytes the peer can be sent: strings go as text frames, the rest as binary frames. */
export type BinaryData = Uint8Array | ArrayBuffer | ArrayBufferView;

/** What a transport reports to its connection. */
export interface TransportSink {
  /** `text`: a text message's payload already decoded by whoever looked at it first (a client's resume filter). */
  onMessage(data: Buffer, binary: boolean, text?: string): void;
  onPong(): void;
  /**
   * A protocol failure (bad frame, oversized message) or a policy close (the rate limit);
   * `closeCode` and `reason` are what the peer was sent (reason: '' when left out).
   */
  onProtocolError(closeCode: number, reason?: string): void;
  onClose(closeCode: number, reason: string): void;
  /** The rate limit started (`true`) or stopped (`false`) holding the peer's messages and reads. */
  onRateLimited?(held: boolean): void;
}

/**
 * The wire under a `Connection`. The core's `Connection` holds the semantics (queues, states,
 * lifetime); a transport only moves frames. `WsTransport` is the one backed by a `ws` WebSocket.
 *
 * @internal
 */
export interface Transport {
  /** Bytes handed to the transport and not yet written to the network. */
  readonly bufferedAmount: number;
  bind(sink: TransportSink): void;
  /** Strings go out as text frames, bytes as binary frames. */
  send(data: string | BinaryData): void;
  /**
   * Sends a message that goes to many connections (a topic's fan-out). A transport that can
   * reuse one frame for all of them builds it through `message.frame()`; any other sends the
   * payload as `send()` would, as `message.type` says.
   */
  sendShared(message: SharedMessage): void;
  /** Hold writes until `uncork()`, so writes made in one tick leave in one packet. */
  cork(): void;
  uncork(): void;
  /** Calls back once `bufferedAmount` may have dropped. */
  whenDrained(callback: () => void): void;
  ping(data?: string | BinaryData): void;
  close(code: number, reason: string): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  /** True while the transport itself holds reads (a rate limit), so the peer's pong may sit unread. */
  readonly readsHeld?: boolean;
}
