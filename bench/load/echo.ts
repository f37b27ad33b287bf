// Closed-loop echo load: every connection keeps `inFlight` messages outstanding and sends a new
// one for each echo it gets back. The harness reads the running count at the window's edges.
import { connect, connectMany, type BenchClient, type ClientKind } from './client.js';
import { makePayload, type PayloadKind } from './payload.js';
import { connectRaw, type RawEchoClient } from './raw-client.js';

export interface EchoArgs {
  port: number;
  kind: ClientKind;
  connections: number;
  inFlight: number;
  payload: PayloadKind;
}

export class EchoLoad {
  received = 0;
  #closers: (() => Promise<void>)[] = [];
  #running = true;

  async start(args: EchoArgs): Promise<void> {
    const payload = makePayload(args.payload);
    const open = args.kind === 'ws' ? () => this.#openRaw(args.port, payload) : () => this.#openSocketIo(args.port, payload);
    const senders = await connectMany(args.connections, 16, open);
    for (const send of senders) send(args.inFlight);
  }

  /** Plain WebSocket servers get the raw client: echoes counted per frame, answered in batches. */
  async #openRaw(port: number, payload: string | Buffer): Promise<(count: number) => void> {
    let client: RawEchoClient | undefined;
    client = await connectRaw(port, payload, (frames) => {
      this.received += frames;
      if (this.#running && frames > 0) client?.send(frames);
    });
    this.#closers.push(() => client!.close());
    return (count) => client!.send(count);
  }

  async #openSocketIo(port: number, payload: string | Buffer): Promise<(count: number) => void> {
    let client: BenchClient | undefined;
    client = await connect({
      kind: 'socket.io',
      port,
      onMessage: () => {
        this.received++;
        if (this.#running) client?.send(payload);
      },
    });
    this.#closers.push(() => {
      client!.close();
      return client!.closed;
    });
    return (count) => {
      for (let i = 0; i < count; i++) client!.send(payload);
    };
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#closers.map((close) => close()));
  }
}

export interface HandshakeArgs {
  port: number;
  kind: ClientKind;
  concurrency: number;
}

/** `concurrency` loops of: connect, one 64 B echo, close, wait until closed. */
const handshakePayload = makePayload('text64');

/** One handshake as the handshake rows count it: connect, one 64 B echo, close, and the close completed. */
export async function handshakeOnce(kind: ClientKind, port: number, attempt: number): Promise<void> {
  let echoed!: () => void;
  const gotEcho = new Promise<void>((resolve) => (echoed = resolve));
  const client = await connect({ kind, port, localAddress: `127.0.0.${(attempt % 8) + 1}`, onMessage: () => echoed() });
  client.send(handshakePayload);
  await gotEcho;
  client.close();
  await client.closed;
}

export class HandshakeLoad {
  completed = 0;
  failed = 0;
  #running = true;
  #loops: Promise<void>[] = [];
  #attempt = 0;

  start(args: HandshakeArgs): void {
    const once = (): Promise<void> => handshakeOnce(args.kind, args.port, this.#attempt++);
    const loop = async (): Promise<void> => {
      while (this.#running) {
        try {
          await once();
          this.completed++;
        } catch {
          this.failed++;
        }
      }
    };
    this.#loops = Array.from({ length: args.concurrency }, loop);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }
}
