// Helpers for the HTTP/2 (RFC 8441) tests: a raw http2 client session, requests on it, and frames
// written by hand for peers that break the rules.
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import type { Connection, OpenOptions, RefusedUpgrade } from '../../src/index.js';
import { nodeHttp2Fixture } from '../conformance/node-http2.fixture.js';
import { onCleanup } from './cleanup.js';

/** An h2c session to `origin`, destroyed after the test. */
export async function session(origin: string, options: http2.SecureClientSessionOptions = {}): Promise<ClientHttp2Session> {
  const opened = http2.connect(origin, options);
  opened.on('error', () => {});
  onCleanup(() => opened.destroy());
  await new Promise<void>((resolve) => opened.once('remoteSettings', () => resolve()));
  return opened;
}

/** Sends a request on `client` and collects its answer. */
export function ask(client: ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = client.request(headers, { endStream: headers[':method'] !== 'CONNECT' });
    let body = '';
    let answer: IncomingHttpHeaders = {};
    stream.setEncoding('utf8');
    stream.on('response', (received) => (answer = received));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status: Number(answer[':status']), headers: answer, body }));
    stream.on('error', reject);
  });
}

export const connectHeaders = (path: string, extra: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders => ({
  ':method': 'CONNECT',
  ':protocol': 'websocket',
  ':scheme': 'http',
  ':path': path,
  'sec-websocket-version': '13',
  ...extra,
});

/** The standard app on an h2c server, its URL, and what it refused. */
export async function startH2c(handler: (connection: Connection) => void | Promise<void>, options?: OpenOptions) {
  const refusals: RefusedUpgrade[] = [];
  const started = await nodeHttp2Fixture({ secure: false }).start({
    handler,
    options: { ...options, onRefuse: (refusal) => refusals.push(refusal) },
    attachOptions: { onRefuse: (refusal) => refusals.push(refusal) },
  });
  return { ...started, refusals, origin: started.httpUrl };
}

/** A masked client text frame (payload < 126 bytes). */
export function textFrame(text: string, fin = true): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | 0x1, 0x80 | payload.length]), mask, masked]);
}

/** An HTTP/2 frame, written by hand for a peer that breaks the rules. */
export function h2Frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK literal header field without indexing, new name (RFC 7541 §6.2.2), for short strings. */
export function hpackLiteral(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
}

/** The frame types and error codes in what a server sent (RST_STREAM and GOAWAY with their codes). */
export function framesOf(bytes: Buffer): string[] {
  const frames: string[] = [];
  for (let offset = 0; offset + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(offset, 3);
    const type = bytes[offset + 3]!;
    if (type === 3) frames.push(`RST_STREAM ${bytes.readUInt32BE(offset + 9)}`);
    else if (type === 7) frames.push(`GOAWAY ${bytes.readUInt32BE(offset + 13)}`);
    else frames.push(String(type));
    offset += 9 + length;
  }
  return frames;
}

