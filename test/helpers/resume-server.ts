// A test stand-in for the server side of the resume contract (docs/browser.md): a ws
// WebSocketServer that numbers topic messages `<epoch>-<seq>`, keeps them in an array that outlives
// restarts (as Redis would), sends them in the envelope, and on a connection replays every message
// after the `upsocket-resume` point of each topic (nothing without one), then a seam marker. The
// real one (src/topics) is built separately; the clients are tested against the wire format only.
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { compareIds } from '../../src/browser/index.js';
import { onCleanup } from './cleanup.js';

interface Stored {
  topic: string;
  id: string;
  data: string | Uint8Array;
}

export interface ResumeServerOptions {
  /** Topics every connection is subscribed to. */
  topics: string[];
  /** Serves the page and scripts of a browser test. */
  onRequest?: RequestListener | undefined;
  /** Replay the whole history on every connection, whatever the client asks: to see the client drop duplicates. */
  ignoreResume?: boolean | undefined;
  /** Replay nothing, whatever the client asks, and send the seam as if it had (no gap): a server that forgot `since`. */
  forgetResume?: boolean | undefined;
}

export function envelopeOf({ topic, id, data }: Stored): string {
  return JSON.stringify(typeof data === 'string' ? { topic, id, text: data } : { topic, id, binary: Buffer.from(data).toString('base64') });
}

function resumePoints(request: IncomingMessage): Record<string, string> {
  const raw = new URL(request.url ?? '/', 'http://x').searchParams.get('upsocket-resume');
  try {
    return raw === null ? {} : (JSON.parse(raw) as Record<string, string>);
  } catch {
    return {};
  }
}

export class ResumeServer {
  readonly history: Stored[] = [];
  /** Every upgrade's URL, in order. */
  readonly urls: string[] = [];
  /** What clients sent, as text, in order. */
  readonly received: string[] = [];
  readonly #epoch = Date.now();
  readonly #seq = new Map<string, number>();
  /** Per topic, the newest id trimmed from the history: a resume from before it is a gap. */
  readonly #trimmedThrough = new Map<string, string>();
  readonly #options: ResumeServerOptions;
  #http: Server | undefined;
  #wss: WebSocketServer | undefined;
  port = 0;

  constructor(options: ResumeServerOptions) {
    this.#options = options;
  }

  get clients(): Set<WebSocket> {
    return this.#wss?.clients ?? new Set();
  }

  /** Listens on `port` (0: any free one, then kept for restarts). */
  async start(port = this.port): Promise<void> {
    const http = createServer(this.#options.onRequest ?? ((_request, response) => response.writeHead(404).end()));
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket, request) => this.#onConnection(socket, request));
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    this.#http = http;
    this.#wss = wss;
    this.port = (http.address() as AddressInfo).port;
  }

  /** A restart's first half: every client gets 1012 (service restart), and the port is free again. */
  async stop(): Promise<void> {
    const { http, wss } = { http: this.#http, wss: this.#wss };
    this.#http = this.#wss = undefined;
    if (http === undefined || wss === undefined) return;
    for (const client of wss.clients) client.close(1012);
    await new Promise((resolve) => wss.close(resolve));
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }

  /** Numbers and stores a message, and sends it to every connected client. */
  publish(topic: string, data: string | Uint8Array): string {
    const seq = (this.#seq.get(topic) ?? 0) + 1;
    this.#seq.set(topic, seq);
    const stored = { topic, id: `${this.#epoch}-${seq}`, data };
    this.history.push(stored);
    for (const client of this.clients) client.send(envelopeOf(stored));
    return stored.id;
  }

  /** Sends every connected client a seam marker now, in the middle of the stream (as after a backend's outage). */
  seam(topic: string, after: string, gap: boolean): void {
    for (const client of this.clients) client.send(JSON.stringify({ topic, after, ...(gap && { gap: true }) }));
  }

  /** Drops the oldest `count` messages of `topic` from the history. */
  trim(topic: string, count: number): void {
    for (let dropped = 0; dropped < count; dropped++) {
      const index = this.history.findIndex((stored) => stored.topic === topic);
      if (index === -1) return;
      this.#trimmedThrough.set(topic, this.history.splice(index, 1)[0]!.id);
    }
  }

  #onConnection(socket: WebSocket, request: IncomingMessage): void {
    this.urls.push(request.url ?? '');
    socket.on('message', (data) => this.received.push(String(data)));
    const { ignoreResume, forgetResume } = this.#options;
    const since = ignoreResume ? Object.fromEntries(this.#options.topics.map((topic) => [topic, '0-0'])) : forgetResume ? {} : resumePoints(request);
    for (const topic of this.#options.topics) {
      const from = since[topic];
      const kept = this.history.filter((stored) => stored.topic === topic);
      for (const stored of kept) if (from !== undefined && compareIds(stored.id, from) > 0) socket.send(envelopeOf(stored));
      const trimmed = this.#trimmedThrough.get(topic);
      const gap = from !== undefined && trimmed !== undefined && compareIds(from, trimmed) < 0;
      socket.send(JSON.stringify({ topic, after: kept.at(-1)?.id, ...(gap && { gap: true }) }));
    }
  }
}

/** A started ResumeServer, stopped after the test. */
export async function resumeServer(options: ResumeServerOptions): Promise<ResumeServer> {
  const server = new ResumeServer(options);
  await server.start(0);
  onCleanup(() => server.stop());
  return server;
}
