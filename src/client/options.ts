import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import { UpsocketError } from '../core/index.js';
import { anArray, defineOptions, describeValue, heartbeatOption, instanceOf, limitOptions, positiveInteger, type Resolved } from '../core/internal.js';

/**
 * Options of `connect()`. The limits mean the same as the server's `OpenOptions` and have the
 * same defaults, so a client and a server behave alike.
 */
export interface ConnectOptions {
  /** Subprotocols to offer, in order of preference; `connection.protocol` is the one the server chose. Default: none. */
  protocols?: readonly string[] | undefined;
  /** Extra handshake request headers: `authorization`, `cookie`, `origin`... Default: none. */
  headers?: OutgoingHttpHeaders | undefined;
  /** Largest message accepted from the server, in bytes; a larger one closes the connection with 1009. Default: 1 MiB. */
  maxMessageSize?: number | undefined;
  /** Offer permessage-deflate. Default: false. */
  compression?: boolean | undefined;
  /** Give up when the server has not completed the handshake after this many ms (`UPSOCKET_HANDSHAKE_TIMEOUT`). Default: 10000. */
  handshakeTimeout?: number | undefined;
  /**
   * Aborting it before the connection opens cancels the attempt (`connect()` rejects with
   * `signal.reason`); aborting it later closes the connection with 1001 (going away).
   */
  signal?: AbortSignal | undefined;
  /** `flush()` waits while more than this many bytes are buffered for sending. Default: 64 KiB. */
  sendHighWaterMark?: number | undefined;
  /** The socket is paused while more than this many bytes of messages wait for `read()`. Default: 64 KiB. */
  receiveHighWaterMark?: number | undefined;
  /** Ping interval in ms; a server that has not answered by the next ping is dropped (1006). `false` disables. Default: false. */
  heartbeat?: number | false | undefined;
  /**
   * Open the WebSocket as an HTTP/2 stream (RFC 8441 extended CONNECT) rather than over its own
   * HTTP/1.1 connection: `true` opens a session to the URL's origin for this connection (closed with
   * it); a `ClientHttp2Session` of yours carries it beside your other streams (pass one made with
   * `http2.connect(origin, { ca })` for TLS options). The server must announce
   * SETTINGS_ENABLE_CONNECT_PROTOCOL (`attach()` on a `node:http2` server does). Default: false.
   *
   * @example
   * const session = http2.connect('https://api.example')
   * const connection = await connect('wss://api.example/feed', { http2: session })
   */
  http2?: boolean | ClientHttp2Session | undefined;
}

/** @internal `ConnectOptions` with every default applied. */
export type ClientSettings = Resolved<Omit<ConnectOptions, 'signal' | 'http2'>> & Pick<ConnectOptions, 'signal'> & { http2: boolean | ClientHttp2Session };

/** @internal The options of `connect()` and `inject()`, and of each attempt of `reconnecting()`. */
export const connectOptions = defineOptions<ClientSettings>({
  protocols: { default: [], check: anArray('subprotocol names', (protocol) => typeof protocol === 'string') },
  headers: { default: {} },
  maxMessageSize: limitOptions.specs.maxMessageSize,
  compression: { default: false },
  handshakeTimeout: { default: 10_000, check: positiveInteger },
  signal: { default: undefined, check: instanceOf(AbortSignal, 'an AbortSignal') },
  sendHighWaterMark: limitOptions.specs.sendHighWaterMark,
  receiveHighWaterMark: limitOptions.specs.receiveHighWaterMark,
  heartbeat: heartbeatOption(false),
  http2: {
    default: false,
    check: (value) => {
      if (typeof value !== 'boolean' && !(value instanceof EventEmitter && typeof (value as Partial<ClientHttp2Session>).request === 'function')) {
        throw new UpsocketError('UPSOCKET_INVALID_OPTION', `connect(): http2 must be true, false or an http2.ClientHttp2Session, got ${describeValue(value)}`);
      }
    },
  },
});
