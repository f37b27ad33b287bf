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

/** Whether `lower` (a lower-case name) is a header upsocket writes, or no 101 may carry. */
function isOwned(lower: string): boolean {
  return ownedHeaders.has(lower) || lower.startsWith('sec-websocket-');
}

// Node's own test for a header value (`checkInvalidHeaderChar`): setHeader() ran it already; this
// keeps a value put in the response's store some other way from splitting the 101.
const invalidValue = /[^\t\x20-\x7e\x80-\xff]/;

type HeaderValue = OutgoingHttpHeaders[string];

/** A response's headers as Node stores them: lower-case name → [name as the app wrote it, value]. */
type HeaderStore = Record<string, [name: string, value: HeaderValue]>;

/**
 * Node keeps a response's headers in one null-prototype object under its `kOutHeaders` symbol
 * (null until the first `setHeader()`). One property load reads names, case and values; the public
 * getters copy it (`getRawHeaderNames()` maps it into a new array, each `getHeader()` lower-cases
 * its argument again), several times the cost on every Express handshake (Express always sets
 * X-Powered-By). Should a Node release rename the symbol, `getHeaders()` stands in (names then go
 * out lower-case).
 */
const outHeaders: symbol | undefined = Object.getOwnPropertySymbols(new OutgoingMessage()).find((symbol) => symbol.description === 'kOutHeaders');

function headerStoreOf(response: ServerResponse): HeaderStore | null {
  if (outHeaders !== undefined) return (response as unknown as Record<symbol, HeaderStore | null>)[outHeaders] ?? null;
  const headers = OutgoingMessage.prototype.getHeaders.call(response);
  const store: HeaderStore = {};
  for (const name in headers) store[name] = [name, headers[name]];
  return store;
}

/** Appends `name: value` lines (one per item of an array, as Node writes Set-Cookie) to `lines`. */
function addLines(lines: string[] | undefined, lower: string, name: string, value: HeaderValue, request: IncomingMessage): string[] | undefined {
  if (value === undefined) return lines;
  if (isOwned(lower)) {
    debugDroppedHeader(request, name, 'the handshake owns it');
    return lines;
  }
  if (!Array.isArray(value)) return addLine(lines, name, String(value), request);
  for (const item of value) lines = addLine(lines, name, String(item), request);
  return lines;
}

/** Whether `value` may go out as a header's value; a NODE_DEBUG line says why one may not. */
function isSendable(name: string, value: string, request: IncomingMessage): boolean {
  if (!invalidValue.test(value)) return true;
  debugDroppedHeader(request, name, 'its value has characters a header may not carry');
  return false;
}

function addLine(lines: string[] | undefined, name: string, value: string, request: IncomingMessage): string[] | undefined {
  if (isSendable(name, value, request)) (lines ??= []).push(`${name}: ${value}`);
  return lines;
}

/** Whether `headers` names `lower` (a lower-case name), in any case. */
function names(headers: OutgoingHttpHeaders, lower: string): boolean {
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
  const store = response === undefined ? null : headerStoreOf(response);
  if (store !== null) {
    for (const lower in store) {
      const [name, value] = store[lower]!;
      if (extra === undefined || !names(extra, lower)) lines = addLines(lines, lower, name, value, request);
    }
  }
  if (extra !== undefined) for (const name in extra) lines = addLines(lines, name.toLowerCase(), name, extra[name], request);
  return lines;
}

/**
 * @internal `upgradeHeaderLines()` for an HTTP/2 answer: the same headers as an object (lower-case
 * names, as HTTP/2 sends them) for `stream.respond()`, read through the compat response's
 * `getHeaders()`. Undefined when there are none.
 */
export function upgradeHeaderObject(
  response: { getHeaders(): OutgoingHttpHeaders } | undefined,
  extra: OutgoingHttpHeaders | undefined,
  request: IncomingMessage,
): OutgoingHttpHeaders | undefined {
  let headers: OutgoingHttpHeaders | undefined;
  const add = (name: string, value: HeaderValue): void => {
    const lower = name.toLowerCase();
    if (value === undefined) return;
    if (isOwned(lower)) return debugDroppedHeader(request, name, 'the handshake owns it');
    // As on HTTP/1.1: a value with characters a header may not carry is left out, not sent.
    const kept = Array.isArray(value) ? value.filter((item) => isSendable(name, String(item), request)) : isSendable(name, String(value), request) ? value : undefined;
    if (kept === undefined || (Array.isArray(kept) && kept.length === 0)) return;
    (headers ??= {})[lower] = kept;
  };
  const set = response?.getHeaders();
  if (set !== undefined) for (const name in set) add(name, set[name]);
  if (extra !== undefined) for (const name in extra) add(name, extra[name]);
  return headers;
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
    if (isOwned(name.toLowerCase())) {
      throw new UpsocketError(
        'UPSOCKET_INVALID_OPTION',
        `${key}: ${name} belongs to the WebSocket handshake (Connection, Upgrade, Sec-WebSocket-*, Content-Length, Transfer-Encoding, Keep-Alive, Trailer, TE, Proxy-Connection, HTTP2-Settings); upsocket writes it or leaves it off`,
      );
    }
  }
}
