import type { OutgoingHttpHeaders } from 'node:http';
import { UpsocketError } from '../core/index.js';
import { assertHeartbeat, assertKnownOptions, assertPositive, defaultLimits, type Resolved } from '../core/internal.js';

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
}

/** @internal `ConnectOptions` with every default applied. */
export type ClientSettings = Resolved<Omit<ConnectOptions, 'signal'>> & Pick<ConnectOptions, 'signal'>;

const defaultClientSettings: ClientSettings = {
  protocols: [],
  headers: {},
  maxMessageSize: defaultLimits.maxMessageSize,
  compression: false,
  handshakeTimeout: 10_000,
  signal: undefined,
  sendHighWaterMark: defaultLimits.sendHighWaterMark,
  receiveHighWaterMark: defaultLimits.receiveHighWaterMark,
  heartbeat: false,
};

/** @internal The keys of `ConnectOptions`. */
export const connectOptionKeys: readonly string[] = Object.keys(defaultClientSettings);

/**
 * @internal Applies `options` over the defaults, skipping undefined values, and validates the
 * result. `caller` and `moreKeys` are for functions that take more options than `connect()`.
 */
export function resolveClientSettings(options: ConnectOptions | undefined, caller = 'connect()', moreKeys: readonly string[] = []): ClientSettings {
  assertKnownOptions(caller, options, moreKeys.length === 0 ? connectOptionKeys : [...connectOptionKeys, ...moreKeys]);
  const settings = { ...defaultClientSettings };
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== undefined) (settings as Record<string, unknown>)[key] = value;
  }
  assertPositive('maxMessageSize', settings.maxMessageSize);
  assertPositive('handshakeTimeout', settings.handshakeTimeout);
  assertPositive('sendHighWaterMark', settings.sendHighWaterMark);
  assertPositive('receiveHighWaterMark', settings.receiveHighWaterMark);
  assertHeartbeat(settings.heartbeat);
  if (!Array.isArray(settings.protocols) || !settings.protocols.every((protocol) => typeof protocol === 'string')) {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'protocols must be an array of subprotocol names');
  }
  if (settings.signal !== undefined && !(settings.signal instanceof AbortSignal)) {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'signal must be an AbortSignal');
  }
  return settings;
}
