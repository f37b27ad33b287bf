import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { ClientSettings } from './options.js';
import { type Connection, UpsocketError } from '../core/index.js';
import { describeRefusal, HandshakeError } from './handshake-error.js';
import type { IncomingFilter } from './resume.js';
import { connectionFor, printable, readRefusal } from './opened.js';
import { openHttp2Client } from './http2-handshake.js';

/**
 * @internal Runs a client's opening handshake and resolves with its `Connection`; rejects with
 * `HandshakeError`, `signal.reason` on abort, or `UPSOCKET_INVALID_OPTION` for a URL or
 * subprotocol ws refuses. `createConnection` replaces TCP (the testing entry's `inject()`); `keep`
 * filters incoming messages (`reconnecting({ resume: true })` drops duplicates).
 */
export function openClient(url: string | URL, settings: ClientSettings, createConnection?: () => Duplex, keep?: IncomingFilter): Promise<Connection> {
  const { signal } = settings;
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (settings.http2 !== false && createConnection === undefined) return openHttp2Client(url, settings, keep);
  let ws: WebSocket;
  try {
    ws = new WebSocket(url, [...settings.protocols], {
      headers: settings.headers,
      maxPayload: settings.maxMessageSize,
      perMessageDeflate: settings.compression,
      followRedirects: false,
      ...(createConnection !== undefined && { createConnection: createConnection as never }),
    });
  } catch (error) {
    return Promise.reject(new UpsocketError('UPSOCKET_INVALID_OPTION', `connect(${printable(url)}): ${(error as Error).message}`));
  }

  return new Promise((resolve, reject) => {
    const where = printable(url);
    let response: IncomingMessage | undefined;
    let settled = false;
    let refused = false;

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', signalOnAbort);
      return true;
    };
    const fail = (error: unknown): void => {
      if (!settle()) return;
      // In CONNECTING state this aborts the request and destroys the socket; ws then emits
      // 'error' and 'close', which the 'error' listener below absorbs.
      ws.terminate();
      reject(error);
    };
    function signalOnAbort(): void {
      fail(signal?.reason);
    }

    const timer = setTimeout(() => {
      fail(new HandshakeError('UPSOCKET_HANDSHAKE_TIMEOUT', `WebSocket handshake with ${where} got no answer within ${settings.handshakeTimeout} ms`));
    }, settings.handshakeTimeout);
    signal?.addEventListener('abort', signalOnAbort, { once: true });

    // ws emits 'upgrade' with the 101 response right before it validates it and emits 'open'.
    ws.on('upgrade', (upgradeResponse: IncomingMessage) => (response = upgradeResponse));
    ws.on('unexpected-response', (_request, refusal: IncomingMessage) => {
      refused = true;
      readRefusal(refusal, (body) => {
        const answer = { status: refusal.statusCode ?? 0, headers: refusal.headers, body };
        fail(new HandshakeError('UPSOCKET_HANDSHAKE_FAILED', describeRefusal(where, answer), answer));
      });
    });
    const wsOnHandshakeError = (error: Error): void => {
      // A socket error while the refusal's body arrives: readRefusal reports what came.
      if (refused) return;
      if (response === undefined) {
        fail(new HandshakeError('UPSOCKET_CONNECT_FAILED', `Could not reach ${where}: ${error.message}`, undefined, error));
        return;
      }
      const answer = { status: response.statusCode ?? 101, headers: response.headers, body: '' };
      fail(new HandshakeError('UPSOCKET_HANDSHAKE_FAILED', `WebSocket handshake with ${where} failed: ${error.message}`, answer, error));
    };
    ws.on('error', wsOnHandshakeError);
    ws.once('open', () => {
      if (settled) return;
      if (response === undefined) return wsOnHandshakeError(new Error('opened without an upgrade response'));
      settle();
      // The connection's transport listens for 'error' from here on; the handshake's listeners are done.
      const connection = connectionFor(ws, response, settings, keep);
      ws.removeListener('error', wsOnHandshakeError);
      ws.removeAllListeners('upgrade').removeAllListeners('unexpected-response');
      resolve(connection);
    });
  });
}
