import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { defineOptions, type OptionCheck, type Resolved } from '../connection/define-options.js';
import { heartbeatOption, limitOptions } from '../connection/limits.js';
import { aFunction, anArray, aString, nonNegativeInteger, positiveInteger } from '../connection/option-checks.js';
import { assertOriginPolicy, type OriginPolicy } from './origin.js';
import { logError } from '../connection/report.js';
import { logRefusal, type RefusedUpgrade } from './refusals.js';
import { assertRateLimit, type RateLimit } from '../connection/rate-limit.js';
import { assertClientCap, type ClientCap } from './caps.js';
import { assertUpgradeHeaders } from './upgrade-headers.js';

/**
 * Options of `open()`. Each can also be given to `attach()` as the default for every `open()`.
 */
export interface OpenOptions {
  /** Subprotocols the server speaks; the client's first offer in this list is chosen. Default: none. */
  protocols?: readonly string[] | undefined;
  /** Cross-origin pages allowed besides same-origin ones (strings, RegExps or a predicate). Default: none. */
  origins?: OriginPolicy | undefined;
  /**
   * Believe `Forwarded`/`X-Forwarded-Host` for the same-origin check, and `Forwarded`/`X-Forwarded-For`
   * for `connectionsPerClient`'s default key (only behind your own proxy). Default: false.
   */
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
   * On `attach()`: open connections the server holds at most, over every route; one more upgrade
   * is refused with 503 and `Retry-After`, whatever a route says. On `open()`, `websocket()` or
   * `handleUpgrade()`: a cap of that route's own, counting only that route's connections (see
   * `capGroup` for what a route is), under the server's. Default: no cap.
   *
   * @example
   * attach(server, { maxConnections: 10_000 })
   * app.get('/admin', websocket(admin, { maxConnections: 10 }))
   */
  maxConnections?: number | undefined;
  /**
   * The name a route's own `maxConnections` counts under: routes with one name share one count.
   * Default: the route `websocket()` made (one count per `websocket()` call), else the route
   * pattern the framework matched (Express `req.baseUrl + req.route.path`, @koa/router's matched
   * route), else the request's path without its query.
   *
   * @example
   * // node:http, one cap over every room, whatever the path says
   * open(req, room, { maxConnections: 500, capGroup: 'rooms' })
   */
  capGroup?: string | undefined;
  /**
   * Open connections one client holds at most (`{ max, key? }`, key default: the client's address);
   * one more is refused with 429 and `Retry-After`. Default: no cap.
   */
  connectionsPerClient?: ClientCap | undefined;
  /**
   * Seconds a client refused for lack of room is told to wait (`Retry-After` on the 503 at
   * `maxConnections` and the 429 over `connectionsPerClient`); `attach()`'s value is also the
   * default of the 503 answered while shutting down (see `close()`). `reconnecting()` waits at
   * least this long before its next attempt. Default: 5.
   *
   * @example
   * attach(server, { maxConnections: 10_000, retryAfter: 30 })
   */
  retryAfter?: number | undefined;
  /**
   * Inbound rate limit per connection (`{ messages?, bytes?, interval, policy? }`): over it, reading
   * pauses until the budget refills (nothing is lost), or with `policy: 'close'` the connection
   * closes with 1008. Default: none.
   */
  rateLimit?: RateLimit | undefined;
  /**
   * Headers the 101 carries besides the handshake's own, after the ones the app set on the routed
   * response before `open()` (a name given here replaces the response's). The way to add headers
   * where no response is at hand: `handleUpgrade()`, an App Router route. Names the handshake
   * owns (Connection, Upgrade, `Sec-WebSocket-*`, Content-Length, Transfer-Encoding, Keep-Alive,
   * Trailer, TE, Proxy-Connection, HTTP2-Settings) are refused with `UPSOCKET_INVALID_OPTION`; set on
   * the response by a middleware, they are left off the 101. Default: none.
   *
   * @example
   * handleUpgrade(req, socket, head, handler, { headers: { 'X-Request-Id': id, 'Set-Cookie': [a, b] } })
   */
  headers?: OutgoingHttpHeaders | undefined;
  /**
   * Receives errors thrown by handlers, by request listeners while an upgrade is routed, and
   * `UPSOCKET_NOT_ATTACHED`. Default: logs them to stderr with the request's method and URL.
   */
  onError?: ((error: unknown, request: IncomingMessage) => void) | undefined;
  /**
   * Told about every upgrade upsocket refuses itself (400, 403, 426 from the handshake checks,
   * 503 while shutting down or at a `maxConnections`, 429 over `connectionsPerClient`, 404 when the server has no request listener, 500 when routing
   * failed or `attach()` is missing); not about the answers of your own middleware. Default: one
   * line on stderr, e.g. `upsocket: refused GET /chat from 127.0.0.1: 403 Origin https://evil.example is not allowed`;
   * `onRefuse: () => {}` silences it.
   */
  onRefuse?: ((refusal: RefusedUpgrade, request: IncomingMessage) => void) | undefined;
}

/** @internal Options with every default applied. */
export type Settings = Resolved<Omit<OpenOptions, OptionalSettings>> & Pick<OpenOptions, OptionalSettings>;

/** Options whose default is "none": they stay possibly undefined once resolved. */
type OptionalSettings = 'origins' | 'maxConnections' | 'capGroup' | 'connectionsPerClient' | 'rateLimit' | 'headers';

/**
 * @internal The options of `open()`, also `attach()`'s defaults for every `open()`. An `open()`
 * resolves its options over `attach()`'s resolved ones: only the values it gives are checked (URL
 * parsing of an origin policy is not free on every upgrade).
 */
export const openOptions = defineOptions<Settings>({
  protocols: { default: [], check: anArray('subprotocol names') },
  origins: { default: undefined, check: assertOriginPolicy },
  trustProxy: { default: false },
  maxMessageSize: limitOptions.specs.maxMessageSize,
  compression: { default: false },
  heartbeat: heartbeatOption(30_000),
  sendHighWaterMark: limitOptions.specs.sendHighWaterMark,
  receiveHighWaterMark: limitOptions.specs.receiveHighWaterMark,
  maxConnections: { default: undefined, check: positiveInteger as OptionCheck<number | undefined> },
  capGroup: { default: undefined, check: aString as OptionCheck<string | undefined> },
  connectionsPerClient: { default: undefined, check: assertClientCap },
  retryAfter: { default: 5, check: nonNegativeInteger },
  rateLimit: { default: undefined, check: assertRateLimit },
  headers: { default: undefined, check: assertUpgradeHeaders as OptionCheck<OutgoingHttpHeaders | undefined> },
  onError: { default: logError, check: aFunction() },
  onRefuse: { default: logRefusal, check: aFunction(' (pass () => {} to silence refusals)') },
});
