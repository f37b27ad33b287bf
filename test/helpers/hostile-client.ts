import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { onCleanup } from './cleanup.js';
import type { RawClient } from './raw-client.js';
import { until } from './server.js';

/**
 * A frame header alone, claiming `length` payload bytes whether or not any follow: for length
 * headers no honest client sends (2^63). Masked, with an all-zero key, so the payload (if any is
 * sent) goes on the wire as is.
 */
export function frameHeader(opcode: number, length: bigint, options: { fin?: boolean } = {}): Buffer {
  const header = Buffer.alloc(2 + 8 + 4);
  header[0] = (options.fin === false ? 0 : 0x80) | opcode;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(length, 2);
  return header;
}

/** The payload of a close frame: a 16-bit code, then the reason's bytes. */
export function closePayload(code: number, reason: Buffer | string = ''): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code, 0);
  return Buffer.concat([payload, Buffer.from(reason)]);
}

/** The first close frame the server sent (code and reason), waiting for it. */
export async function closeFrameOf(client: RawClient, timeout = 5000): Promise<{ code: number; reason: string }> {
  await until(() => client.frames.some((frame) => frame.opcode === 8), timeout, 'a close frame from the server');
  const frame = client.frames.find((candidate) => candidate.opcode === 8)!;
  return { code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005, reason: frame.payload.subarray(2).toString() };
}

/** Resolves once the TCP connection is gone (the server closed or dropped it). */
export async function socketClosed(socket: Socket, timeout = 5000): Promise<void> {
  if (socket.destroyed && socket.closed) return;
  await Promise.race([
    once(socket, 'close'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('the server kept the TCP connection open')), timeout).unref()),
  ]);
}

/** A valid handshake request head for `path`, with `headers` replacing or adding to the defaults (`null` drops one). */
export function handshakeRequest(port: number, path: string, headers: Record<string, string | null> = {}): string {
  const defaults: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
  };
  const merged = { ...defaults, ...headers };
  const lines = Object.entries(merged)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/** What a server answered to raw bytes, read until it closed the connection. */
export interface RawAnswer {
  /** The HTTP status, or 0 when the server closed without answering. */
  status: number;
  head: string;
  /** Everything after the head, as latin1 (frames, if the server upgraded). */
  body: string;
  /** ms from the first byte sent until the server closed the connection. */
  elapsed: number;
}

/**
 * Sends `bytes` over a fresh TCP connection and collects everything the server answers until it
 * closes the connection. With `trickleMs`, sends one byte every `trickleMs` ms instead (slowloris),
 * stopping when the server closes.
 */
export async function sendRaw(port: number, bytes: string | Buffer, options: { timeout?: number; trickleMs?: number } = {}): Promise<RawAnswer> {
  const { timeout = 5000, trickleMs } = options;
  const socket = connect(port, '127.0.0.1');
  onCleanup(() => socket.destroy());
  await once(socket, 'connect');
  const started = Date.now();
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.on('error', () => {});
  const data = Buffer.from(bytes);
  let trickle: NodeJS.Timeout | undefined;
  if (trickleMs === undefined) {
    socket.write(data);
  } else {
    let sent = 0;
    trickle = setInterval(() => {
      if (sent < data.length && socket.writable) socket.write(data.subarray(sent, ++sent));
    }, trickleMs);
  }
  try {
    await socketClosed(socket, timeout);
  } finally {
    clearInterval(trickle);
  }
  const text = Buffer.concat(received).toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split);
  const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
  return { status: status === undefined ? 0 : Number(status), head, body: split === -1 ? '' : text.slice(split + 4), elapsed: Date.now() - started };
}
