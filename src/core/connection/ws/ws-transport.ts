import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { SharedMessage } from '../shared-message.js';
import type { BinaryData, Transport, TransportSink } from '../transport.js';
import { quietRepeatedEnds } from './quiet-ends.js';
import { serverFrameOf } from './ws-frame.js';

const kSink = Symbol('upsocket.sink');

type SinkedWebSocket = WebSocket & { [kSink]: TransportSink };

/**
 * Close codes ws sends for the protocol errors its receiver raises (ws/lib/receiver.js): the
 * handler's ClosedError must carry the code the peer was sent, not a guess.
 */
function closeCodeOfWsError(code: string | undefined): number {
  switch (code) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return 1009;
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return 1008;
    case 'WS_ERR_INVALID_UTF8':
      return 1007;
    case undefined:
      return 1006;
    default:
      return code.startsWith('WS_ERR_') ? 1002 : 1006;
  }
}

const emitToListeners = EventEmitter.prototype.emit;

/**
 * The WebSocket's `emit`, once a transport is bound: the four events a connection lives on go
 * straight to its sink, every other one to listeners as usual. One shared function that finds
 * the connection through the WebSocket, instead of four listeners: an idle connection then has
 * no listener table of its own to keep (a dictionary of ~280 bytes for four events).
 */
function wsEmit(this: SinkedWebSocket, event: string | symbol, first?: unknown, second?: unknown): boolean {
  switch (event) {
    case 'message':
      this[kSink].onMessage(first as Buffer, second as boolean);
      return true;
    case 'pong':
      this[kSink].onPong();
      return true;
    case 'error':
      this[kSink].onProtocolError(closeCodeOfWsError((first as { code?: string }).code));
      return true;
    case 'close':
      this[kSink].onClose(first as number, (second as Buffer).toString('utf8'));
      return true;
    default:
      return emitToListeners.call(this, event, first, second);
  }
}

/**
 * A transport over a server-side `ws` WebSocket and its raw socket.
 *
 * @internal
 */
export class WsTransport implements Transport {
  readonly #ws: SinkedWebSocket;
  readonly #socket: Duplex;
  /** Whether `sendShared()` may write the message's shared frame; decided on first use. */
  #writesSharedFrames: boolean | undefined;

  constructor(ws: WebSocket, socket: Duplex) {
    this.#ws = ws as SinkedWebSocket;
    this.#socket = socket;
    quietRepeatedEnds(ws, socket);
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  bind(sink: TransportSink): void {
    const ws = this.#ws;
    ws[kSink] = sink;
    ws.emit = wsEmit;
  }

  send(data: string | BinaryData): void {
    // No options object: ws picks text for strings and binary for bytes, as we want.
    this.#ws.send(data);
  }

  sendShared(message: SharedMessage): void {
    const ws = this.#ws;
    // The shared frame fits only a server-side socket (client frames are masked) without
    // permessage-deflate (ws may still be compressing an earlier message, which our write would
    // overtake), and only while no close frame has gone out. ws.send() covers the other cases.
    this.#writesSharedFrames ??= ws.url === undefined && ws.extensions === '';
    if (this.#writesSharedFrames && ws.readyState === ws.OPEN) this.#socket.write(serverFrameOf(message));
    else ws.send(message.payload, { binary: message.type === 'binary' });
  }

  cork(): void {
    this.#socket.cork();
  }

  uncork(): void {
    this.#socket.uncork();
  }

  whenDrained(callback: () => void): void {
    // Bytes still queued inside ws (compression) produce no 'drain' on the socket: poll those.
    if (this.#socket.writableNeedDrain) this.#socket.once('drain', callback);
    else setTimeout(callback, 1);
  }

  ping(data?: string | BinaryData): void {
    this.#ws.ping(data);
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }
}
