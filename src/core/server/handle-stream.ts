import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import { UpsocketError } from '../connection/errors.js';
import type { Handler } from '../connection/lifetime.js';
import { checkH2Handshake, isWebSocketConnect } from './h2-handshake.js';
import type { Refusal } from './handshake.js';
import { hostFor } from './handle-upgrade.js';
import { internalError, writeStreamRefusal } from './http-answer.js';
import type { OpenOptions, Settings } from './options.js';
import { publishUpgrade } from './publish.js';
import type { Reporter } from './reporter.js';
import type { UpsocketServer } from './server.js';
import { upgradeHeaderObject } from './upgrade-headers.js';

const notWebSocket: Refusal = Object.freeze({ status: 400, reason: 'Not an extended CONNECT with :protocol websocket (RFC 8441)' });

/**
 * What `connection.request` is for a stream taken from a raw `'stream'` listener: the request's
 * fields upsocket and most handlers read (method, url, headers, httpVersion, socket), plus the
 * stream. Shown as a GET, as `attach()` shows an extended CONNECT to the app.
 */
function streamRequest(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): IncomingMessage {
  return {
    method: 'GET',
    url: headers[':path'] ?? '/',
    headers,
    httpVersion: '2.0',
    httpVersionMajor: 2,
    httpVersionMinor: 0,
    socket: stream.session?.socket,
    stream,
  } as unknown as IncomingMessage;
}

/**
 * `handleUpgrade()` for a raw `node:http2` `'stream'` listener (no compat layer, no `attach()`):
 * accepts an RFC 8441 extended CONNECT (`:method CONNECT`, `:protocol websocket`) with the same
 * checks, caps, rate limit, heartbeat and `Connection` as `open()`. A refusal is a response on the
 * stream (status and one-line reason) told to `onRefuse`; a wrong handler or option is a 500 told
 * to `onError`. The server must announce SETTINGS_ENABLE_CONNECT_PROTOCOL
 * (`settings: { enableConnectProtocol: true }`). Returns the `UpsocketServer` holding the
 * connection, for `close()` at shutdown.
 *
 * @example
 * const server = http2.createSecureServer({ key, cert, settings: { enableConnectProtocol: true } })
 * server.on('stream', (stream, headers) => {
 *   if (headers[':protocol'] === 'websocket') handleStream(stream, headers, (connection) => connection.sendText('hi'))
 *   else stream.respond({ ':status': 404 }, { endStream: true })
 * })
 */
export function handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, handler: Handler, options?: OpenOptions): UpsocketServer {
  if (typeof (stream as Partial<ServerHttp2Stream> | null)?.respond !== 'function' || typeof headers !== 'object' || headers === null) {
    throw new UpsocketError('UPSOCKET_INVALID_OPTION', "handleStream(stream, headers, handler): stream and headers must be the http2 'stream' event's");
  }
  const request = streamRequest(stream, headers);
  publishUpgrade(request);
  const host = hostFor(stream.session?.socket);
  let settings: Settings | undefined;
  let check;
  try {
    if (typeof handler !== 'function') throw new UpsocketError('UPSOCKET_INVALID_OPTION', 'handleStream(stream, headers, handler): the handler must be a function');
    settings = host.settingsFor(options, 'handleStream()');
    check = isWebSocketConnect(headers) ? host.check(request, settings, undefined, checkH2Handshake) : notWebSocket;
  } catch (error) {
    const reporter = settings === undefined ? host.reporter.withCallbacksOf(options) : host.reporterFor(settings);
    refuse(stream, request, internalError, reporter);
    reporter.error(error, request, 'handling a WebSocket stream (handleStream)');
    return host;
  }
  const reporter = host.reporterFor(settings);
  if ('status' in check) {
    refuse(stream, request, check, reporter);
    return host;
  }
  if (stream.destroyed || !stream.writable) return host;
  host.handOverStream(request, stream, settings, reporter, handler, check, upgradeHeaderObject(undefined, settings.headers, request));
  return host;
}

function refuse(stream: ServerHttp2Stream, request: IncomingMessage, refusal: Refusal, reporter: Reporter): void {
  writeStreamRefusal(stream, refusal);
  reporter.refusal(request, refusal);
}
