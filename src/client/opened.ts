import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { ClientSettings } from './options.js';
import { Connection } from '../core/index.js';
import { Heartbeat, WsTransport } from '../core/internal.js';
import { FilteredTransport, type IncomingFilter } from './resume.js';

// What both handshakes (HTTP/1.1 `handshake.ts`, HTTP/2 `http2-handshake.ts`) share: the URL for
// messages, a refusal's body, and the Connection over the opened WebSocket.

/** A refused handshake's body is kept up to this size: enough for any error page, bounded for a hostile one. */
const MAX_REFUSAL_BODY = 64 * 1024;

/**
 * The URL for error messages: without credentials or query string, which often carry tokens and
 * error messages end up in logs.
 */
export function printable(url: string | URL): string {
  try {
    const { protocol, host, pathname } = new URL(url);
    return `${protocol}//${host}${pathname}`;
  } catch {
    return String(url);
  }
}

export function readRefusal(response: NodeJS.ReadableStream, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    if (size >= MAX_REFUSAL_BODY) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  // 'close' also covers a server that drops the socket mid-body: report what arrived.
  const finish = (): void => done(Buffer.concat(chunks).subarray(0, MAX_REFUSAL_BODY).toString('utf8'));
  response.once('end', finish);
  response.once('close', finish);
  response.once('error', finish);
}

/**
 * Wires up what a client Connection needs beyond its transport: heartbeat and the caller's signal.
 * `socket` is what ws frames over: the response's TCP socket, or an HTTP/2 stream.
 */
export function connectionFor(ws: WebSocket, response: IncomingMessage, settings: ClientSettings, keep: IncomingFilter | undefined, socket = response.socket as Duplex): Connection {
  const { signal, heartbeat: interval } = settings;
  const heartbeat = interval === false ? undefined : new Heartbeat(interval, false);
  const transport = keep === undefined ? new WsTransport(ws, socket) : new FilteredTransport(ws, socket, keep);
  const connection = new Connection(transport, {
    request: response,
    protocol: ws.protocol,
    sendHighWaterMark: settings.sendHighWaterMark,
    receiveHighWaterMark: settings.receiveHighWaterMark,
    onClose: () => {
      heartbeat?.stop();
      signal?.removeEventListener('abort', signalOnAbort);
    },
  });
  function signalOnAbort(): void {
    if (connection.state === 'open') void connection.close(1001);
  }
  heartbeat?.add(connection);
  signal?.addEventListener('abort', signalOnAbort, { once: true });
  return connection;
}

