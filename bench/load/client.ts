// One client connection, over plain WebSocket or socket.io's own client, behind one small shape
// so every load pattern drives every server the same way.
import { io } from 'socket.io-client';
import WebSocket from 'ws';

export type ClientKind = 'ws' | 'socket.io';

export interface BenchClient {
  send(data: string | Buffer): void;
  close(): void;
  /** Drops the connection without a close handshake. */
  terminate(): void;
  /** Resolves once the connection is gone. */
  readonly closed: Promise<void>;
}

export interface ConnectOptions {
  kind: ClientKind;
  port: number;
  /** Spreads connections over 127.0.0.x source addresses so 10,000 never run out of ports. */
  localAddress?: string;
  onMessage(data: unknown): void;
}

const ECHO_PATH = '/echo';
const HEADERS = { 'x-bench-user': 'bench' };

function connectWs(options: ConnectOptions): Promise<BenchClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${options.port}${ECHO_PATH}`, {
    perMessageDeflate: false,
    headers: HEADERS,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('message', (data) => options.onMessage(data));
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => undefined);
      resolve({ send: (data) => ws.send(data), close: () => ws.close(), terminate: () => ws.terminate(), closed });
    });
  });
}

function connectSocketIo(options: ConnectOptions): Promise<BenchClient> {
  const socket = io(`http://127.0.0.1:${options.port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: HEADERS,
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
  });
  const closed = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
  socket.on('m', (data: unknown) => options.onMessage(data));
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('connect', () => {
      socket.off('connect_error', reject);
      const close = (): void => void socket.disconnect();
      resolve({ send: (data) => void socket.emit('m', data), close, terminate: close, closed });
    });
  });
}

export function connect(options: ConnectOptions): Promise<BenchClient> {
  return options.kind === 'ws' ? connectWs(options) : connectSocketIo(options);
}

/** Opens `count` connections, at most `concurrency` handshakes at a time. */
export async function connectMany<T>(count: number, concurrency: number, open: (index: number) => Promise<T>): Promise<T[]> {
  const clients: T[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      clients[index] = await open(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return clients;
}

/** Source address for the i-th connection: 127.0.0.1 … 127.0.0.8 in turn. */
export function localAddressFor(index: number): string {
  return `127.0.0.${(index % 8) + 1}`;
}
