import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isOriginAllowed } from './origin.js';
import type { CapKeys } from './caps.js';
import type { Refusal } from './http-answer.js';
import type { Settings } from './options.js';
import type { StreamNegotiation } from '../connection/ws/stream-websocket.js';

export type { Refusal } from './http-answer.js';

/** The handshake checks passed: the subprotocol to answer with ('' for none). */
export interface Acceptance {
  protocol: string;
  /** HTTP/2 only: the permessage-deflate answer (`h2-handshake.ts`); HTTP/1.1 leaves it to ws. */
  negotiation?: StreamNegotiation | undefined;
  /** What the connection caps count the connection under, when a cap is set. */
  counted?: CapKeys | undefined;
}

const keyPattern = /^[+/0-9A-Za-z]{22}==$/;
const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const connectionUpgradePattern = /\bupgrade\b/i;

/**
 * Whether the request asks to become a WebSocket: `Upgrade: websocket` and `Connection: upgrade`.
 * Node needs both before it emits `'upgrade'`; with only the first it parses the request as plain
 * HTTP, and `open()` must leave it to the route rather than throw (which would crash a bare
 * `node:http` server on any client's say-so).
 */
export function isWebSocketUpgrade(headers: IncomingHttpHeaders): boolean {
  const upgrade = headers.upgrade;
  return upgrade !== undefined && upgrade.toLowerCase() === 'websocket' && connectionUpgradePattern.test(headers.connection ?? '');
}

/** The subprotocol to answer with, of those the client offers and `allowed` lists ('' for none). */
export function chooseProtocol(headers: IncomingHttpHeaders, allowed: readonly string[]): Refusal | Acceptance {
  const header = headers['sec-websocket-protocol'];
  if (header === undefined) return { protocol: '' };
  const offered = header.split(',').map((name) => name.trim());
  if (!offered.every((name) => tokenPattern.test(name))) {
    return { status: 400, reason: 'Invalid Sec-WebSocket-Protocol header' };
  }
  // A server that names no subprotocols answers without one, as RFC 6455 §4.2.2 allows.
  if (allowed.length === 0) return { protocol: '' };
  const protocol = offered.find((name) => allowed.includes(name));
  if (protocol === undefined) {
    return { status: 400, reason: `No supported subprotocol offered (server speaks: ${allowed.join(', ')})` };
  }
  return { protocol };
}

/**
 * Whether the upgrade request announces a body. Node hands the bytes after the head to the
 * upgrade as they are, so ws would read a body as WebSocket frames: bytes the client (or a proxy
 * in between) sent as HTTP would reach the handler as messages.
 */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

/**
 * The checks RFC 6455 §4.2.1 asks of a server, and the origin policy, run before any 101 so a
 * refusal is an ordinary HTTP response with a one-line reason.
 */
export function checkHandshake(request: IncomingMessage, settings: Settings): Refusal | Acceptance {
  // Read once: `headers` is a getter, and on a request with a hidden class of its own (Express's)
  // each read is a megamorphic look-up.
  const headers = request.headers;
  if (request.method !== 'GET') return { status: 400, reason: 'A WebSocket handshake must be a GET request' };
  if (hasBody(headers)) return { status: 400, reason: 'A WebSocket handshake must not have a body' };
  if (!connectionUpgradePattern.test(headers.connection ?? '')) {
    return { status: 400, reason: 'Missing "Connection: Upgrade" header' };
  }
  if (!keyPattern.test(headers['sec-websocket-key'] ?? '')) {
    return { status: 400, reason: 'Missing or invalid Sec-WebSocket-Key header' };
  }
  if (headers['sec-websocket-version'] !== '13') {
    return { status: 426, reason: 'Unsupported WebSocket version (supported: 13)', headers: { 'Sec-WebSocket-Version': '13' } };
  }
  return checkOrigin(request, settings) ?? chooseProtocol(headers, settings.protocols);
}

/** @internal The origin policy's 403, or undefined when the request's Origin may open (HTTP/1.1 and HTTP/2). */
export function checkOrigin(request: IncomingMessage, settings: Settings): Refusal | undefined {
  const origin = request.headers.origin;
  // No Origin (not a browser) is allowed: decided here without the policy's look-ups.
  if (origin === undefined || isOriginAllowed(request, settings.origins, settings.trustProxy)) return undefined;
  return { status: 403, reason: `Origin ${origin} is not allowed` };
}
