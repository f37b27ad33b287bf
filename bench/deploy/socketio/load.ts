// The socket.io stack's load generator (contract.ts): socket.io-client 4.8 clients through the
// balancer, WebSocket transport only, socket.io's default reconnection (1 s × a random factor of
// 0.5–1.5, doubling up to 5 s, forever). socket.io has no gap signal and no de-duplication: every
// packet goes to the ledger as the app would see it, and the only hint of a loss an app gets is a
// reconnect whose session was not recovered (`socket.recovered === false`), which is the ledger's
// gap. A client still disconnected when the ledger is taken counts as told too (its app knows it
// is offline).
import { io, type Socket } from 'socket.io-client';
import { serveRequests } from '../../ipc.js';
import { now } from '../../topics-child.js';
import { decodeMessage, topicsOf, type GapEvent, type LatencySample, type LedgerRequest, type LoadTick, type Ready, type ResumeEvent } from '../contract.js';
import { Ledger } from '../ledger.js';
import { HELLO_EVENT, intEnv, MESSAGE_EVENT, stringEnv } from './cluster.js';

/** Latency samples sent per tick at most; each stands for `weight` deliveries. */
const SAMPLES_PER_TICK = 400;

const url = stringEnv('DEPLOY_URL');
const localAddress = process.env['DEPLOY_LOCAL_ADDRESS'] || undefined;
const clients = intEnv('DEPLOY_CLIENTS');
const firstClient = intEnv('DEPLOY_FIRST_CLIENT', 0);
const topicCount = intEnv('DEPLOY_TOPICS');
const perClient = intEnv('DEPLOY_TOPICS_PER_CLIENT', 1);
const tickMs = intEnv('DEPLOY_TICK_MS', 500);
const connectRate = intEnv('DEPLOY_CONNECT_RATE', 500);

interface Client {
  index: number;
  socket: Socket;
  /** The server it is subscribed on now (undefined while it is not). */
  server: string | undefined;
  everSubscribed: boolean;
  /** Set while its connection is down: where it was, when it ended, the close code. */
  down: { from: string; at: number; code: number } | undefined;
  /** Reconnection attempt of the Manager (0 before any). */
  attempts: number;
  recovered: boolean;
}

const ledger = new Ledger();
const all: Client[] = [];
let delivered = 0;
let latencies: [number, number][] = [];
let refused: Record<string, number> = {};
let resumed: ResumeEvent[] = [];
let gaps: GapEvent[] = [];
let firstSubscribed = 0;
let onAllSubscribed: (() => void) | undefined;

/** What a failed handshake was: the HTTP status the balancer answered, or 'error'. */
function refusal(error: unknown): string {
  // engine.io-client wraps ws's error event: "Unexpected server response: 502".
  const text = String((error as { description?: { message?: unknown } }).description?.message ?? (error as Error).message ?? error);
  return /Unexpected server response: (\d{3})/.exec(text)?.[1] ?? 'error';
}

/** The close code behind a 'disconnect' (engine.io-client passes ws's close event as `context`). */
function closeCode(details: unknown): number {
  const code = (details as { context?: { code?: unknown } } | undefined)?.context?.code;
  return typeof code === 'number' ? code : 1006;
}

function open(index: number): void {
  const socket = io(url, {
    transports: ['websocket'],
    // One connection per client (io() shares a Manager per URL otherwise).
    forceNew: true,
    auth: { topics: topicsOf(index, perClient, topicCount) },
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  const client: Client = { index, socket, server: undefined, everSubscribed: false, down: undefined, attempts: 0, recovered: false };
  all.push(client);
  socket.on(MESSAGE_EVENT, (text: string) => {
    const message = decodeMessage(text);
    if (message === undefined) return;
    const at = now();
    ledger.receive(index, message.topic, message.seq);
    delivered++;
    latencies.push([at, at - message.at]);
  });
  socket.on('connect', () => {
    client.recovered = socket.recovered;
    // A session socket.io could not restore: rooms and missed packets are gone, and this is all the
    // app is told (no count, no range).
    if (client.everSubscribed && !socket.recovered) {
      const gap: GapEvent = { client: index, topic: undefined, at: now() };
      ledger.gap(index, undefined, gap.at);
      gaps.push(gap);
    }
  });
  socket.on(HELLO_EVENT, ({ server }: { server: string }) => {
    client.server = server;
    if (client.down !== undefined) {
      resumed.push({ client: index, from: client.down.from, downAt: client.down.at, code: client.down.code, to: server, at: now(), attempts: client.attempts, recovered: client.recovered });
      client.down = undefined;
    }
    client.attempts = 0;
    if (!client.everSubscribed) {
      client.everSubscribed = true;
      if (++firstSubscribed === clients) onAllSubscribed?.();
    }
  });
  socket.on('disconnect', (_reason, details) => {
    client.down = { from: client.server ?? '?', at: now(), code: closeCode(details) };
    client.server = undefined;
  });
  socket.io.on('reconnect_attempt', (attempt) => {
    client.attempts = attempt;
  });
  socket.io.on('reconnect_error', (error) => {
    const kind = refusal(error);
    refused[kind] = (refused[kind] ?? 0) + 1;
  });
}

async function connectAll(): Promise<void> {
  const subscribed = new Promise<void>((resolve) => (onAllSubscribed = resolve));
  const started = now();
  for (let i = 0; i < clients; i++) {
    // Paced: the warm-up should not itself be a storm.
    const due = started + (i / connectRate) * 1000;
    if (due > now()) await new Promise((resolve) => setTimeout(resolve, due - now()));
    open(firstClient + i);
  }
  if (firstSubscribed < clients) await subscribed;
}

function sampled(): LatencySample[] {
  const stride = Math.max(1, Math.ceil(latencies.length / SAMPLES_PER_TICK));
  const samples: LatencySample[] = [];
  for (let i = 0; i < latencies.length; i += stride) {
    const weight = Math.min(stride, latencies.length - i);
    samples.push([latencies[i]![0], latencies[i]![1], weight]);
  }
  return samples;
}

setInterval(() => {
  const perServer: Record<string, number> = {};
  let subscribed = 0;
  for (const client of all) {
    if (client.server === undefined) continue;
    subscribed++;
    perServer[client.server] = (perServer[client.server] ?? 0) + 1;
  }
  const tick: LoadTick = { type: 'tick', load: firstClient, at: now(), subscribed, perServer, delivered, latency: sampled(), refused, resumed, gaps };
  process.send?.(tick);
  delivered = 0;
  latencies = [];
  refused = {};
  resumed = [];
  gaps = [];
}, tickMs);

serveRequests(
  {
    connect: connectAll,
    ledger: (request: LedgerRequest) => {
      for (const client of all) if (client.down !== undefined) ledger.gap(client.index, undefined, client.down.at);
      return ledger.report(request);
    },
  },
  true satisfies Ready,
);
