import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { onCleanup } from './cleanup.js';

/** A client frame: masked, as RFC 6455 requires of clients (pass `mask: false` to break that rule). */
export function encodeFrame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: boolean; rsv?: number } = {}): Buffer {
  const { fin = true, mask = true, rsv = 0 } = options;
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  header[1] = (mask ? 0x80 : 0) | (length < 126 ? length : length < 65536 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i % 4]!;
  return Buffer.concat([header, masked]);
}

/** A server frame as parsed by `RawClient` (servers never mask). */
export interface ServerFrame {
  opcode: number;
  fin: boolean;
  payload: Buffer;
  /** Index of the TCP chunk ('data' event) in which the frame's last byte arrived. */
  chunk: number;
}

/**
 * A WebSocket client written by hand over TCP, to send what real clients never would and to see
 * exactly how the server's bytes arrive.
 */
export class RawClient {
  readonly socket: Socket;
  readonly frames: ServerFrame[] = [];
  /** Everything received before the first frame: the HTTP response head (and body, if refused). */
  httpResponse = '';
  #buffer = Buffer.alloc(0);
  #upgraded = false;
  #chunks = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
  }

  /** Connects and sends `request` (default: a valid handshake for `path`); resolves once it is sent. */
  static async open(port: number, path: string, request?: string): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    onCleanup(() => socket.destroy());
    await once(socket, 'connect');
    const client = new RawClient(socket);
    socket.write(
      request ??
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    return client;
  }

  /** The status of the server's HTTP answer (101, or a refusal's), once its head has arrived. */
  get status(): number | undefined {
    if (!this.httpResponse.includes('\r\n\r\n')) return undefined;
    return Number(this.httpResponse.slice('HTTP/1.1 '.length, 'HTTP/1.1 '.length + 3));
  }

  /** Resolves once the 101 arrived; rejects if the server answered anything else. */
  async upgraded(timeout = 5000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!this.#upgraded) {
      if (this.httpResponse.includes('\r\n\r\n') && !this.httpResponse.startsWith('HTTP/1.1 101')) {
        throw new Error(`handshake refused: ${this.httpResponse.split('\r\n')[0]}`);
      }
      if (Date.now() > deadline) throw new Error('no 101 within timeout');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  send(frame: Buffer): void {
    this.socket.write(frame);
  }

  #onData(chunk: Buffer): void {
    const index = this.#chunks++;
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end === -1 || !this.#buffer.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) {
        this.httpResponse = this.#buffer.toString('latin1');
        return;
      }
      this.httpResponse = this.#buffer.subarray(0, end + 4).toString('latin1');
      this.#buffer = this.#buffer.subarray(end + 4);
      this.#upgraded = true;
    }
    this.#parseFrames(index);
  }

  #parseFrames(chunk: number): void {
    for (;;) {
      const buffer = this.#buffer;
      if (buffer.length < 2) return;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      this.frames.push({ opcode: buffer[0]! & 0x0f, fin: (buffer[0]! & 0x80) !== 0, payload: buffer.subarray(offset, offset + length), chunk });
      this.#buffer = buffer.subarray(offset + length);
    }
  }
}
