import { Duplex } from 'node:stream';

/**
 * One end of an in-memory byte stream, shaped enough like a `net.Socket` for Node's HTTP server
 * and client and for ws: the methods they call on sockets exist and do nothing harmful.
 */
class MemorySocket extends Duplex {
  readonly remoteAddress = '127.0.0.1';
  readonly remoteFamily = 'IPv4';
  readonly remotePort: number;
  readonly localAddress = '127.0.0.1';
  readonly localPort: number;
  peer!: MemorySocket;
  /** The write callback held back while the peer's read buffer is full: that is the backpressure. */
  #pendingWrite: (() => void) | undefined;

  constructor(localPort: number, remotePort: number) {
    // A peer's end ends this side too, as TCP sockets do by default.
    super({ allowHalfOpen: false });
    this.localPort = localPort;
    this.remotePort = remotePort;
  }

  override _read(): void {
    const resume = this.peer.#pendingWrite;
    this.peer.#pendingWrite = undefined;
    resume?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.peer.destroyed) return callback(new Error('write after the peer was destroyed (ECONNRESET)'));
    if (this.peer.push(chunk)) callback();
    else this.#pendingWrite = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Torn down before both directions ended: the peer sees its connection reset, as with TCP.
    const abrupt = !(this.writableFinished && this.readableEnded);
    const peer = this.peer;
    if (abrupt) process.nextTick(() => peer.destroy());
    callback(error);
  }

  destroySoon(): void {
    if (this.writableFinished) this.destroy();
    else this.end(() => this.destroy());
  }

  setTimeout(_timeout: number, _callback?: () => void): this {
    return this;
  }

  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: 'IPv4', port: this.localPort };
  }
}

let nextPort = 49152;

/**
 * @internal Two connected in-memory sockets: bytes written to one are read from the other, with
 * stream backpressure between them. Node 20 has no `stream.duplexPair()`.
 */
export function duplexPair(): [Duplex, Duplex] {
  const clientPort = nextPort++;
  if (nextPort > 65535) nextPort = 49152;
  const client = new MemorySocket(clientPort, 80);
  const server = new MemorySocket(80, clientPort);
  client.peer = server;
  server.peer = client;
  return [client, server];
}
