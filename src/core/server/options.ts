import type { IncomingMessage } from 'node:http';
import { UpsocketError } from '../connection/errors.js';
import { assertKnownOptions } from '../connection/option-keys.js';
import { assertOriginPolicy, type OriginPolicy } from './origin.js';
import { assertHeartbeat, assertPositive, defaultLimits, type Resolved } from '../connection/limits.js';
import { logError } from '../connection/report.js';
import { logRefusal, type RefusedUpgrade } from './refusals.js';

/**
 * Options of `open()`. Each can also be given to `attach()` as the default for every `open()`.
 */
export interface OpenOptions {
  /** Subprotocols the server speaks; the client's first offer in this list is chosen. Default: none. */
  protocols?: readonly string[] | undefined;
  /** Cross-origin pages allowed besides same-origin ones (strings, RegExps or a predicate). Default: none. */
  origins?: OriginPolicy | undefined;
  /** Believe `Forwarded`/`X-Forwarded-Host` for the same-origin check (only behind your own proxy). Default: false. */
  trustProxy?: boolean | undefined;
  /** Largest message accepted, in bytes; a larger one closes the connection with 1009. Default: 1 MiB. */
  maxMessageSize?: number | undefined;
  /** Negotiate permessage-deflate. Default: false. */
  compression?: boolean | undefined;
  /** Ping interval in ms; a peer that has not answered by the next ping is dropped. `false` disables. Default: 30000. */
  heartbeat?: number | false | undefined;
  /** `flush()` waits while more than this many bytes are buffered for sending. Default: 64 KiB. */
  sendHighWaterMark?: number | undefined;
  /** The socket is paused while more than this many bytes of messages wait for `read()`. Default: 64 KiB. */
  receiveHighWaterMark?: number | undefined;
  /**
   * Receives errors thrown by handlers, by request listeners while an upgrade is routed, and
   * `UPSOCKET_NOT_ATTACHED`. Default: logs them to stderr with the request's method and URL.
   */
  onError?: ((error: unknown, request: IncomingMessage) => void) | undefined;
  /**
   * Told about every upgrade upsocket refuses itself (400, 403, 426 from the handshake checks,
   * 503 while shutting down, 404 when the server has no request listener, 500 when routing
   * failed or `attach()` is missing); not about the answers of your own middleware. Default: one
   * line on stderr, e.g. `upsocket: refused GET /chat from 127.0.0.1: 403 Origin https://evil.example is not allowed`;
   * `onRefuse: () => {}` silences it.
   */
  onRefuse?: ((refusal: RefusedUpgrade, request: IncomingMessage) => void) | undefined;
}

/** @internal Options with every default applied. */
export type Settings = Resolved<Omit<OpenOptions, 'origins'>> & Pick<OpenOptions, 'origins'>;

/** @internal */
export const defaultSettings: Settings = {
  protocols: [],
  origins: undefined,
  trustProxy: false,
  maxMessageSize: defaultLimits.maxMessageSize,
  compression: false,
  heartbeat: 30_000,
  sendHighWaterMark: defaultLimits.sendHighWaterMark,
  receiveHighWaterMark: defaultLimits.receiveHighWaterMark,
  onError: logError,
  onRefuse: logRefusal,
};

/** @internal The keys of `OpenOptions`. */
export const openOptionKeys: readonly string[] = Object.keys(defaultSettings);

/**
 * @internal Applies `options` over `base`, skipping undefined values, and validates the result.
 * `caller` names the function the options were given to in messages about unknown keys.
 */
export function resolveSettings(base: Settings, options: OpenOptions | undefined, caller = 'open()'): Settings {
  assertKnownOptions(caller, options, openOptionKeys);
  if (options === undefined) return base;
  const settings = { ...base };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (settings as Record<string, unknown>)[key] = value;
  }
  assertPositive('maxMessageSize', settings.maxMessageSize);
  assertPositive('sendHighWaterMark', settings.sendHighWaterMark);
  assertPositive('receiveHighWaterMark', settings.receiveHighWaterMark);
  assertHeartbeat(settings.heartbeat);
  if (!Array.isArray(settings.protocols)) {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'protocols must be an array of subprotocol names');
  }
  // The base's policy was checked when it was resolved; URL parsing is not free on every open().
  if (options.origins !== undefined) assertOriginPolicy(options.origins);
  if (typeof settings.onError !== 'function') {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'onError must be a function');
  }
  if (typeof settings.onRefuse !== 'function') {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'onRefuse must be a function (pass () => {} to silence refusals)');
  }
  return settings;
}
