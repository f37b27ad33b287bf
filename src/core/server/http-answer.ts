import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RefusedUpgrade } from './refusals.js';

/** An HTTP answer that ends an upgrade before any 101. */
export interface Refusal {
  /** Typed by the public `RefusedUpgrade`, so a refusal with a status it does not list fails to compile. */
  status: RefusedUpgrade['status'];
  reason: string;
  headers?: Record<string, string>;
}

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
