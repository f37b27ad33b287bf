// The client side of bench/http2.ts, raw so the client costs little beside the server and both
// protocols are opened the same way: a WebSocket as an HTTP/2 extended CONNECT (RFC 8441) on a
// session that already loaded a page, or as an HTTP/1.1 upgrade on a new TLS connection (with a
// resumed TLS session, as a browser's second connection to an origin, or a full handshake); and,
// for comparison, upsocket's own client on the HTTP/2 session.
import { randomBytes } from 'node:crypto';
import http2, { type ClientHttp2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { connect } from '../src/index.js';
import { maskedFrame } from './load/raw-client.js';

/** An open WebSocket's byte stream, and what came after the handshake in the same read. */
export interface Opened {
  stream: Duplex;
  rest: Buffer;
  /** A clean close of its own (a client that frames the WebSocket itself); otherwise `closeCleanly()` writes one. */
  close?: () => Promise<unknown>;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CLOSE_FRAME = maskedFrame(Buffer.from([0x03, 0xe8]), 0x8);

/** An HTTP/2 session that loaded the page `/`: its SETTINGS (enableConnectProtocol) are in. */
export async function pageSession(port: number, ca: string): Promise<ClientHttp2Session> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
  session.on('error', () => undefined);
  const page = session.request({ ':path': '/' });
  page.resume();
  await new Promise((resolve, reject) => page.once('end', resolve).once('error', reject));
  if (!session.remoteSettings.enableConnectProtocol) throw new Error('the server did not enable the extended CONNECT');
  return session;
}

/** A WebSocket to `path` as one more stream of `session`: a CONNECT with `:protocol: websocket`, answered 200. */
export function openOverHttp2(session: ClientHttp2Session, port: number, path = '/echo'): Promise<Opened> {
  const stream = session.request(
    { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'https', ':path': path, ':authority': `127.0.0.1:${port}`, 'sec-websocket-version': '13' },
    { endStream: false },
  );
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('response', (headers) => {
      if (headers[':status'] !== 200) return reject(new Error(`CONNECT answered ${headers[':status']}`));
      stream.off('error', reject);
      resolve({ stream, rest: Buffer.alloc(0) });
    });
  });
}

/** TLS session tickets for HTTP/1.1 connections that resume (what a browser holds for the origin). */
export class TicketStore {
  ticket: Buffer | undefined;
}

/** A WebSocket to `path` over a new TLS connection and an HTTP/1.1 upgrade; `tickets`: resume the TLS session. */
export function openOverHttp1(port: number, ca: string, tickets?: TicketStore, path = '/echo'): Promise<Opened> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'], session: tickets?.ticket });
  socket.setNoDelay(true);
  if (tickets !== undefined) socket.on('session', (ticket: Buffer) => (tickets.ticket = ticket));
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end === -1) return;
      socket.off('data', onHead);
      socket.off('error', reject);
      if (!head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
        socket.destroy();
        return reject(new Error(`upgrade answered ${head.subarray(0, end).toString('latin1').split('\r\n')[0]}`));
      }
      resolve({ stream: socket, rest: head.subarray(end + HEAD_END.length) });
    };
    socket.on('data', onHead);
  });
}

/**
 * A WebSocket to `path` through upsocket's own client, `connect(url, { http2: session })`: one more
 * stream of `session`, framed by ws on this side.
 */
export async function openWithClient(session: ClientHttp2Session, port: number, path = '/echo'): Promise<Opened> {
  const connection = await connect(`wss://127.0.0.1:${port}${path}`, { http2: session });
  const { stream } = connection.request as unknown as { stream: Duplex };
  return { stream, rest: Buffer.alloc(0), close: () => connection.close() };
}

/** A clean close: our close frame, the server's, both sides ended. */
export function closeCleanly({ stream, close }: Opened): Promise<unknown> {
  if (close !== undefined) return close();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => stream.destroy(), 5000);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', () => undefined);
    stream.resume();
    stream.end(CLOSE_FRAME);
  });
}
