import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { negotiateDeflate } from '../connection/ws/stream-websocket.js';
import { checkOrigin, chooseProtocol, type Acceptance, type Refusal } from './handshake.js';
import type { Settings } from './options.js';

/**
 * Whether an HTTP/2 request is an RFC 8441 extended CONNECT for a WebSocket. nghttp2 lets
 * `:protocol` through only on a CONNECT of a session whose server announced
 * SETTINGS_ENABLE_CONNECT_PROTOCOL, so the pseudo-header alone says it.
 */
export function isWebSocketConnect(headers: IncomingHttpHeaders): boolean {
  return headers[':protocol'] === 'websocket';
}

// RFC 6455 §4.4 answers a wrong version with an error and the versions it speaks; its example,
// 426, is no answer on HTTP/2: a 426 must carry an Upgrade header (RFC 9110 §15.5.22), a
// connection-specific header HTTP/2 forbids (RFC 9113 §8.2.2). 400 says the same here.
const wrongVersion: Refusal = Object.freeze({
  status: 400,
  reason: 'Unsupported WebSocket version (supported: 13)',
  headers: Object.freeze({ 'Sec-WebSocket-Version': '13' }),
});
const badExtensions: Refusal = Object.freeze({ status: 400, reason: 'Invalid or unacceptable Sec-WebSocket-Extensions header' });

/**
 * `checkHandshake()` for an extended CONNECT (RFC 8441 §5): no key, no Upgrade or Connection
 * headers, the stream's data is the WebSocket from the first byte. Version, origin (same host
 * by `:authority`), subprotocol and permessage-deflate are checked and negotiated as over HTTP/1.1.
 */
export function checkH2Handshake(request: IncomingMessage, settings: Settings): Refusal | Acceptance {
  const headers = request.headers;
  if (headers['sec-websocket-version'] !== '13') return wrongVersion;
  const refused = checkOrigin(request, settings);
  if (refused !== undefined) return refused;
  const chosen = chooseProtocol(headers, settings.protocols);
  if ('status' in chosen) return chosen;
  try {
    return { protocol: chosen.protocol, negotiation: negotiateDeflate(headers['sec-websocket-extensions'], settings.compression, settings.maxMessageSize) };
  } catch {
    return badExtensions;
  }
}
