import type { Duplex } from 'node:stream';
import * as ws from 'ws';
import type { WebSocket } from 'ws';

/**
 * ws's `WebSocket` constructor and `setSocket()`: public in ws 8 (its server calls them) though
 * left out of @types/ws. `setSocket()` takes any Duplex: what it calls on the socket beyond a
 * Duplex's methods (`setTimeout`, `setNoDelay`) it calls only when present.
 */
interface WebSocketInternals {
  new (address: null, protocols: undefined, options: typeof socketOptions): WebSocket;
}
interface SettableWebSocket {
  _protocol: string;
  _extensions: Record<string, unknown>;
  setSocket(socket: Duplex, head: Buffer, options: typeof receiverOptions & { maxPayload: number }): void;
}

/** ws's permessage-deflate negotiation: the same classes its server negotiates with. */
interface Negotiation {
  PerMessageDeflate: (new (options: { isServer: boolean; maxPayload: number }) => { accept(offers: unknown): unknown; params: unknown }) & {
    extensionName: string;
  };
  extension: { parse(header: string): Record<string, unknown>; format(extensions: Record<string, unknown[]>): string };
}

const noBytes = Buffer.alloc(0);

// ws's `WebSocketServer` defaults (ws 8.23), which a WebSocket made without one does not get:
// without `closeTimeout` ws would drop the stream 1 ms after sending its close frame.
const socketOptions = Object.freeze({ autoPong: true, maxPendingAutoPongs: 60, closeTimeout: 30_000 });
const receiverOptions = Object.freeze({ allowSynchronousEvents: true, maxBufferedChunks: 256 * 1024, maxFragments: 16 * 1024, skipUTF8Validation: false });

/** What was negotiated for a WebSocket over a stream: the answer's header and ws's extensions. */
export interface StreamNegotiation {
  /** The `sec-websocket-extensions` answer, or undefined for none. */
  header: string | undefined;
  extensions: Record<string, unknown>;
}

/** @internal No extension negotiated (compression off, or nothing offered or answered). */
export const noNegotiation: StreamNegotiation = Object.freeze({ header: undefined, extensions: Object.freeze({}) });

/**
 * @internal Accepts a permessage-deflate offer as ws's server does (ws/lib/websocket-server.js
 * `handleUpgrade()`). Throws for an offer ws cannot parse or accept; the caller answers 400.
 */
export function negotiateDeflate(offer: string | undefined, compression: boolean, maxPayload: number): StreamNegotiation {
  if (!compression || offer === undefined) return noNegotiation;
  const { PerMessageDeflate, extension } = ws as unknown as Negotiation;
  const offers = extension.parse(offer)[PerMessageDeflate.extensionName];
  if (offers === undefined) return noNegotiation;
  const deflate = new PerMessageDeflate({ isServer: true, maxPayload });
  deflate.accept(offers);
  return {
    header: extension.format({ [PerMessageDeflate.extensionName]: [deflate.params] }),
    extensions: { [PerMessageDeflate.extensionName]: deflate },
  };
}

/**
 * @internal A ws `WebSocket` whose frames travel over `stream` rather than a TCP socket: an
 * HTTP/2 stream after an RFC 8441 extended CONNECT (`isServer`: the accepting end). ws treats the
 * stream as its socket: `end()` is END_STREAM, `destroy()` RST_STREAM, `pause()` stops reading and
 * so, through HTTP/2 flow control, the peer; `bufferedAmount` counts what the stream holds.
 */
export function webSocketOverStream(
  stream: Duplex,
  isServer: boolean,
  settings: { maxPayload: number; protocol: string; negotiation: StreamNegotiation; url?: string | undefined },
): WebSocket {
  const { WebSocket: Constructor } = ws as unknown as { WebSocket: WebSocketInternals };
  // ws's constructor with no address makes a server-side WebSocket (unmasked frames, server
  // limits); a client one is the same object marked as the client after.
  const socket = new Constructor(null, undefined, socketOptions) as WebSocket & SettableWebSocket & { _isServer: boolean; _url: string | undefined };
  socket._isServer = isServer;
  // A client WebSocket has its URL, as ws's own client does: `WsTransport` takes a WebSocket without
  // one for a server's, whose frames (unmasked) it may write itself.
  if (!isServer) socket._url = settings.url ?? 'ws://unknown/';
  socket._protocol = settings.protocol;
  socket._extensions = settings.negotiation.extensions;
  socket.setSocket(stream, noBytes, { ...receiverOptions, maxPayload: settings.maxPayload });
  return socket;
}

/**
 * @internal The client's side of permessage-deflate over a stream: `offer` is the
 * `sec-websocket-extensions` header to send; `accept()` takes the server's answer (undefined: none)
 * and returns ws's extensions, or throws for an answer ws cannot accept.
 */
export function offerDeflate(maxPayload: number): { offer: string; accept(answer: string | undefined): StreamNegotiation } {
  const { PerMessageDeflate, extension } = ws as unknown as Negotiation;
  const deflate = new PerMessageDeflate({ isServer: false, maxPayload }) as InstanceType<Negotiation['PerMessageDeflate']> & { offer(): unknown };
  return {
    offer: extension.format({ [PerMessageDeflate.extensionName]: [deflate.offer()] }),
    accept(answer) {
      if (answer === undefined) return noNegotiation;
      const answers = extension.parse(answer)[PerMessageDeflate.extensionName];
      if (answers === undefined) throw new Error(`the server answered an extension that was not offered: ${answer}`);
      deflate.accept(answers);
      return { header: answer, extensions: { [PerMessageDeflate.extensionName]: deflate } };
    },
  };
}
