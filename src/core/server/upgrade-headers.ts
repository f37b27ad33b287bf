import { OutgoingMessage, validateHeaderName, validateHeaderValue, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { UpsocketError } from '../connection/errors.js';
import { debugDroppedHeader } from './publish.js';

// The headers of the 101 besides the handshake's own: what the app set on the routed response
// before open() (a rolling session's Set-Cookie, X-Request-Id), then the `headers` option's.

/**
 * Headers the handshake owns: framing and hop-by-hop headers a 101 must not carry or carries
 * once, with upsocket's value. ws writes Upgrade, Connection and Sec-WebSocket-Accept/Protocol/
 * Extensions; a second Connection (`close`), a Content-Length or a Transfer-Encoding would make
 * clients and proxies read the upgraded stream as an HTTP body or drop it. `Sec-WebSocket-*`
 * as a whole is the handshake's (see `isOwned`).
 */
const ownedHeaders: ReadonlySet<string> = new Set([
  'connection',
  'upgrade',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'trailer',
  'te',
  'proxy-connection',
  'http2-settings',
]);

/** @internal Whether `name` (any case) is a header upsocket writes, or no 101 may carry. */
export function isOwned(name: string): boolean {
  const lower = name.toLowerCase();
  return ownedHeaders.has(lower) || lower.startsWith('sec-websocket-');
}

// Node's own test for a header value (`checkInvalidHeaderChar`): setHeader() ran it already; this
// keeps a value put in the response's store some other way from splitting the 101.
const invalidValue = /[^\t\x20-\x7e\x80-\xff]/;

// Called through the prototype: a method look-up on a response whose prototype Express replaced
// misses every inline cache (see upgrade.ts).
// getRawHeaderNames() (Node ≥ 15.13) keeps the names' case as the app wrote them; @types/node
// leaves it out.
const { getHeader } = OutgoingMessage.prototype;
const getRawHeaderNames = (OutgoingMessage.prototype as OutgoingMessage & { getRawHeaderNames(): string[] }).getRawHeaderNames;

type HeaderValue = OutgoingHttpHeaders[string];

/** Appends `name: value` lines (one per item of an array, as Node writes Set-Cookie) to `lines`. */
function addLines(lines: string[] | undefined, name: string, value: HeaderValue, request: IncomingMessage): string[] | undefined {
  if (value === undefined) return lines;
  if (isOwned(name)) {
    debugDroppedHeader(request, name, 'the handshake owns it');
    return lines;
  }
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) {
    const text = String(item);
    if (invalidValue.test(text)) {
      debugDroppedHeader(request, name, 'its value has characters a header may not carry');
      continue;
    }
    (lines ??= []).push(`${name}: ${text}`);
  }
  return lines;
}

/** Whether `headers` names `name`, in any case. */
function names(headers: OutgoingHttpHeaders, name: string): boolean {
  const lower = name.toLowerCase();
  for (const key in headers) if (key.toLowerCase() === lower) return true;
  return false;
}

/**
 * @internal The lines the 101 carries besides the handshake's: the headers set on `response`
 * (the routed one; none for `handleUpgrade()`), then `extra` (the `headers` option), whose names
 * replace the response's. Owned headers are left out (a line under NODE_DEBUG=upsocket says so).
 * Undefined when there are none, so a route that set no header builds nothing.
 */
export function upgradeHeaderLines(response: ServerResponse | undefined, extra: OutgoingHttpHeaders | undefined, request: IncomingMessage): string[] | undefined {
  let lines: string[] | undefined;
  if (response !== undefined) {
    // An empty array when nothing was set (no store is made until the first setHeader()).
    const set = getRawHeaderNames.call(response);
    for (let i = 0; i < set.length; i++) {
      const name = set[i]!;
      if (extra === undefined || !names(extra, name)) lines = addLines(lines, name, getHeader.call(response, name), request);
    }
  }
  if (extra !== undefined) for (const name in extra) lines = addLines(lines, name, extra[name], request);
  return lines;
}

/**
 * @internal The `headers` option's check: an object of valid names and values, none of which the
 * handshake owns (given here, unlike on a response some middleware wrote, it is a mistake to say).
 */
export function assertUpgradeHeaders(value: OutgoingHttpHeaders | undefined, key: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', `${key} must be an object of header names and values, e.g. { 'X-Request-Id': id }`);
  }
  for (const name in value) {
    const header = value[name];
    try {
      validateHeaderName(name);
      if (header !== undefined) for (const item of Array.isArray(header) ? header : [header]) validateHeaderValue(name, String(item));
    } catch (error) {
      throw new UpsocketError('UPSOCKET_INVALID_OPTION', `${key}: ${(error as Error).message}`);
    }
    if (isOwned(name)) {
      throw new UpsocketError(
        'UPSOCKET_INVALID_OPTION',
        `${key}: ${name} belongs to the WebSocket handshake (Connection, Upgrade, Sec-WebSocket-*, Content-Length, Transfer-Encoding, Keep-Alive, Trailer, TE); upsocket writes it`,
      );
    }
  }
}
