// A minimal WebSocket client for the echo load: pre-masked frames written straight to a TCP
// socket and replies counted by their headers, so the load generator spends far less CPU per
// message than the servers under test and they, not it, set the pace. (A `ws` client spends
// about as much per message as a `ws` server: with it, every server looks alike.)
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';

const HEAD_END = Buffer.from('\r\n\r\n');

/** One masked client frame (RFC 6455 §5.2) carrying `payload`. */
export function maskedFrame(payload: Buffer, opcode: number): Buffer {
  const length = payload.length;
  const extra = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = Buffer.alloc(2 + extra + 4 + length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | (extra === 0 ? length : extra === 2 ? 126 : 127);
  if (extra === 2) frame.writeUInt16BE(length, 2);
  if (extra === 8) frame.writeBigUInt64BE(BigInt(length), 2);
  const mask = randomBytes(4);
  mask.copy(frame, 2 + extra);
  for (let i = 0; i < length; i++) frame[6 + extra + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** Counts complete server frames in a byte stream that may split them anywhere. */
export class FrameCounter {
  #header = Buffer.alloc(10);
  #headerBytes = 0;
  #skip = 0;

  /** Returns how many frames `chunk` completed. */
  push(chunk: Buffer): number {
    let frames = 0;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#skip > 0) {
        const taken = Math.min(this.#skip, chunk.length - offset);
        this.#skip -= taken;
        offset += taken;
        if (this.#skip === 0) frames++;
        continue;
      }
      this.#header[this.#headerBytes++] = chunk[offset++]!;
      if (this.#headerBytes < 2) continue;
      const code = this.#header[1]! & 0x7f;
      const need = code < 126 ? 2 : code === 126 ? 4 : 10;
      if (this.#headerBytes < need) continue;
      const length = code < 126 ? code : code === 126 ? this.#header.readUInt16BE(2) : Number(this.#header.readBigUInt64BE(2));
      this.#headerBytes = 0;
      if (length === 0) frames++;
      else this.#skip = length;
    }
    return frames;
  }
}

export interface RawEchoClient {
  /** Writes `count` copies of the message. */
  send(count: number): void;
  close(): Promise<void>;
}

/**
 * The echo load over a stream that already carries a WebSocket (a TCP socket after its 101, an
 * HTTP/2 stream after its 200): pre-masked frames out, `onFrames(n)` as server frames complete.
 */
export function echoOver(stream: Duplex, payload: string | Buffer, onFrames: (count: number) => void, rest?: Buffer): RawEchoClient {
  const frame = typeof payload === 'string' ? maskedFrame(Buffer.from(payload), 0x1) : maskedFrame(payload, 0x2);
  const batch = Buffer.concat(Array.from({ length: 16 }, () => frame));
  const counter = new FrameCounter();
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  stream.on('error', () => undefined);
  stream.on('data', (data: Buffer) => onFrames(counter.push(data)));
  if (rest !== undefined && rest.length > 0) onFrames(counter.push(rest));
  return {
    send: (count) => {
      for (let left = count; left > 0; left -= 16) stream.write(left >= 16 ? batch : batch.subarray(0, left * frame.length));
    },
    close: () => {
      stream.end(maskedFrame(Buffer.from([0x03, 0xe8]), 0x8));
      setTimeout(() => stream.destroy(), 1000).unref();
      return closed;
    },
  };
}

/** Opens a raw WebSocket to `/echo` and calls `onFrames(n)` as server frames complete. */
export function connectRaw(port: number, payload: string | Buffer, onFrames: (count: number) => void): Promise<RawEchoClient> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    socket.once('error', reject);
    socket.on('connect', () => {
      socket.write(
        `GET /echo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nx-bench-user: bench\r\n\r\n`,
      );
    });
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end === -1) return;
      socket.off('data', onHead);
      if (!head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
        reject(new Error(`handshake refused: ${head.subarray(0, end).toString('latin1').split('\r\n')[0]}`));
        socket.destroy();
        return;
      }
      socket.off('error', reject);
      resolve(echoOver(socket, payload, onFrames, head.subarray(end + HEAD_END.length)));
    };
    socket.on('data', onHead);
  });
}
