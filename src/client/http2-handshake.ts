import { connect as connectSession, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { ClientSettings } from './options.js';
import type { Connection } from '../core/index.js';
import { noNegotiation, offerDeflate, webSocketOverStream, type StreamNegotiation } from '../core/internal.js';
import { describeRefusal, HandshakeError } from './handshake-error.js';
import type { IncomingFilter } from './resume.js';
import { connectionFor, printable, readRefusal } from './opened.js';

/**
 * What a client connection over HTTP/2 shows as `connection.request`: the answer to its extended
 * CONNECT (`statusCode` 200, the headers, `httpVersion` '2.0'), where HTTP/1.1 shows the 101.
 */
function answerOf(headers: IncomingHttpHeaders & IncomingHttpStatusHeader, stream: ClientHttp2Stream): IncomingMessage {
  return { statusCode: headers[':status'], statusMessage: '', headers, httpVersion: '2.0', httpVersionMajor: 2, httpVersionMinor: 0, stream } as unknown as IncomingMessage;
}

/** What the server's `sec-websocket-extensions` answer makes of our offer (`deflate`: none made). */
function acceptExtensions(deflate: ReturnType<typeof offerDeflate> | undefined, answer: string | undefined): StreamNegotiation {
  if (deflate !== undefined) return deflate.accept(answer);
  if (answer === undefined) return noNegotiation;
  throw new Error(`the server answered an extension that was not offered: ${answer}`);
}

/** Resolves once the server announced SETTINGS_ENABLE_CONNECT_PROTOCOL; rejects when its settings say no. */
function connectProtocolEnabled(session: ClientHttp2Session, where: string): Promise<void> {
  if (session.remoteSettings.enableConnectProtocol === true) return Promise.resolve();
  return new Promise((resolve, reject) => {
    // A session of the caller's may have its settings already; they come again only if changed,
    // so the handshake timeout bounds this wait.
    session.once('remoteSettings', (settings) => {
      if (settings.enableConnectProtocol === true) resolve();
      else {
        reject(
          new HandshakeError(
            'UPSOCKET_HANDSHAKE_FAILED',
            `WebSocket over HTTP/2 to ${where}: the server does not announce SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441), so it takes no WebSocket on its HTTP/2 connections`,
          ),
        );
      }
    });
  });
}

/**
 * @internal `openClient()` over HTTP/2 (RFC 8441): waits for the server's
 * SETTINGS_ENABLE_CONNECT_PROTOCOL, sends `CONNECT` with `:protocol websocket`, and frames with
 * ws over the stream once the answer is `:status 200`. A session it opened itself closes with the
 * connection; one passed as `http2` is left open.
 */
export function openHttp2Client(url: string | URL, settings: ClientSettings, keep: IncomingFilter | undefined): Promise<Connection> {
  return openHttp2WebSocket(url, settings, (ws, answer, stream) => connectionFor(ws, answer, settings, keep, stream));
}

/**
 * @internal The RFC 8441 handshake alone: `opened` gets the ws WebSocket over the stream, the
 * answer and the stream, and is called in the same tick as the answer, before any of the server's
 * frames can be delivered (the tests' ws-level client wraps it too, so both frame alike).
 */
export function openHttp2WebSocket<T>(url: string | URL, settings: ClientSettings, opened: (ws: WebSocket, answer: IncomingMessage, stream: ClientHttp2Stream) => T): Promise<T> {
  const { signal } = settings;
  const where = printable(url);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new HandshakeError('UPSOCKET_CONNECT_FAILED', `connect(${where}): not a valid URL`));
  }
  const secure = target.protocol === 'wss:' || target.protocol === 'https:';
  const origin = `${secure ? 'https' : 'http'}://${target.host}`;
  const own = settings.http2 === true;
  let session: ClientHttp2Session;
  try {
    session = own ? connectSession(origin) : (settings.http2 as ClientHttp2Session);
  } catch (error) {
    return Promise.reject(new HandshakeError('UPSOCKET_CONNECT_FAILED', `Could not reach ${where}: ${(error as Error).message}`, undefined, error));
  }

  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let stream: ClientHttp2Stream | undefined;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', signalOnAbort);
      session.removeListener('error', sessionOnError);
      return true;
    };
    const fail = (error: unknown): void => {
      if (!settle()) return;
      stream?.destroy();
      if (own) session.destroy();
      reject(error);
    };
    function signalOnAbort(): void {
      fail(signal?.reason);
    }
    function sessionOnError(error: Error): void {
      fail(new HandshakeError('UPSOCKET_CONNECT_FAILED', `Could not reach ${where}: ${error.message}`, undefined, error));
    }
    const timer = setTimeout(() => {
      fail(new HandshakeError('UPSOCKET_HANDSHAKE_TIMEOUT', `WebSocket handshake with ${where} got no answer within ${settings.handshakeTimeout} ms`));
    }, settings.handshakeTimeout);
    signal?.addEventListener('abort', signalOnAbort, { once: true });
    session.on('error', sessionOnError);
    // Our own session lives as long as its one connection; an error after the handshake ends the
    // stream too, which the connection reports as a 1006.
    if (own) session.on('error', () => {});

    connectProtocolEnabled(session, where).then(() => {
      if (settled) return;
      const headers: Record<string, string | string[] | number | undefined> = {
        ...(settings.headers as Record<string, string | string[] | number | undefined>),
        ':method': 'CONNECT',
        ':protocol': 'websocket',
        ':scheme': secure ? 'https' : 'http',
        ':path': `${target.pathname}${target.search}`,
        ':authority': target.host,
        'sec-websocket-version': '13',
      };
      if (settings.protocols.length > 0) headers['sec-websocket-protocol'] = settings.protocols.join(', ');
      const deflate = settings.compression ? offerDeflate(settings.maxMessageSize) : undefined;
      if (deflate !== undefined) headers['sec-websocket-extensions'] = deflate.offer;
      try {
        stream = session.request(headers, { endStream: false });
      } catch (error) {
        fail(new HandshakeError('UPSOCKET_CONNECT_FAILED', `WebSocket over HTTP/2 to ${where}: ${(error as Error).message}`, undefined, error));
        return;
      }
      const opening = stream;
      opening.on('error', (error) => fail(new HandshakeError('UPSOCKET_CONNECT_FAILED', `WebSocket over HTTP/2 to ${where}: ${error.message}`, undefined, error)));
      opening.once('close', () => fail(new HandshakeError('UPSOCKET_CONNECT_FAILED', `WebSocket over HTTP/2 to ${where}: the stream closed before an answer (RST_STREAM ${opening.rstCode})`)));
      opening.once('response', (answer) => {
        const status = answer[':status'] ?? 0;
        if (status !== 200) {
          readRefusal(opening, (body) => {
            const refusal = { status, headers: answer as IncomingMessage['headers'], body };
            fail(new HandshakeError('UPSOCKET_HANDSHAKE_FAILED', describeRefusal(where, refusal), refusal));
          });
          return;
        }
        const protocol = (answer['sec-websocket-protocol'] as string | undefined) ?? '';
        if (protocol !== '' && !settings.protocols.includes(protocol)) {
          const refusal = { status, headers: answer as IncomingMessage['headers'], body: '' };
          fail(new HandshakeError('UPSOCKET_HANDSHAKE_FAILED', `WebSocket handshake with ${where} failed: the server chose subprotocol ${protocol}, which was not offered`, refusal));
          return;
        }
        let negotiation;
        try {
          negotiation = acceptExtensions(deflate, answer['sec-websocket-extensions'] as string | undefined);
        } catch (error) {
          const refusal = { status, headers: answer as IncomingMessage['headers'], body: '' };
          fail(new HandshakeError('UPSOCKET_HANDSHAKE_FAILED', `WebSocket handshake with ${where} failed: ${(error as Error).message}`, refusal, error));
          return;
        }
        if (!settle()) return;
        opening.removeAllListeners('error').removeAllListeners('close');
        const ws = webSocketOverStream(opening, false, { maxPayload: settings.maxMessageSize, protocol, negotiation, url: target.href });
        if (own) opening.once('close', () => session.close());
        resolve(opened(ws, answerOf(answer, opening), opening));
      });
    }, fail);
  });
}
