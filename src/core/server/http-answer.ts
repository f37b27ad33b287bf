import { STATUS_CODES, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { UpsocketChannels } from '../connection/channel-messages.js';
import type { RefusedUpgrade } from './refusals.js';

/** An HTTP answer that ends an upgrade before any 101. */
export interface Refusal {
  /** Typed by the public `RefusedUpgrade`, so a refusal with a status it does not list fails to compile. */
  status: RefusedUpgrade['status'];
  reason: string;
  headers?: Record<string, string>;
  /** The admission bound that shed it (`admission.ts`), published with it: what counters count by, never `reason`. */
  shed?: UpsocketChannels['upsocket:refused']['shed'];
}

/** @internal What an upgrade gets that no route opened (HTTP/1.1 and HTTP/2). */
export const noRoute: Refusal = Object.freeze({ status: 404, reason: 'No route on this server opened the WebSocket' });

/** @internal What an upgrade gets when the app's routing, or a raw entry's call, threw. */
export const internalError: Refusal = Object.freeze({ status: 500, reason: 'Internal Server Error' });

function bodyOf(refusal: Refusal): string {
  return `${refusal.reason}\n`;
}

/** Answers a refused upgrade through the app's response object, as a complete HTTP response. */
export function writeRefusal(response: ServerResponse, refusal: Refusal): void {
  const body = bodyOf(refusal);
  response.writeHead(refusal.status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...refusal.headers,
  });
  response.end(body);
}

/**
 * Answers a refused HTTP/2 extended CONNECT on its stream: the status, the one-line reason and
 * the refusal's headers (lower-case, as HTTP/2 wants them). No `Connection: close`: HTTP/2 forbids
 * connection headers, and the session goes on serving its other streams.
 */
export function writeStreamRefusal(stream: ServerHttp2Stream, refusal: Refusal): void {
  if (stream.destroyed || stream.headersSent) return;
  const body = bodyOf(refusal);
  const headers: OutgoingHttpHeaders = {
    ':status': refusal.status,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  for (const [name, value] of Object.entries(refusal.headers ?? {})) headers[name.toLowerCase()] = value;
  stream.respond(headers);
  stream.end(body);
}

/** Answers an upgrade straight on the socket, for refusals made before the app saw the request. */
export function writeRawRefusal(socket: Socket, refusal: Refusal): void {
  const body = bodyOf(refusal);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n' +
      Object.entries(refusal.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`).join('') +
      '\r\n' +
      body,
  );
}
