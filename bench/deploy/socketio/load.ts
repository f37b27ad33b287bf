// The socket.io stack's load generator (contract.ts): socket.io-client 4.8 clients through the
// balancer, WebSocket transport only, socket.io's default reconnection (1 s × a random factor of
// 0.5–1.5, doubling up to 5 s, forever), recorded by bench/deploy/load-recorder.ts. socket.io has
// no gap signal and no de-duplication: every packet goes to the ledger as the app would see it,
// and the only hint of a loss an app gets is a reconnect whose session was not recovered
// (`socket.recovered === false`), recorded as a gap of the whole session. A client still
// disconnected when the ledger is taken counts as told too (its app knows it is offline).
import { io } from 'socket.io-client';
import { serveRequests } from '../../ipc.js';
import { decodeMessage, topicsOf, type LedgerRequest, type Ready } from '../contract.js';
import { LoadRecorder } from '../load-recorder.js';
import { HELLO_EVENT, intEnv, MESSAGE_EVENT, stringEnv } from './cluster.js';

const url = stringEnv('DEPLOY_URL');
const localAddress = process.env['DEPLOY_LOCAL_ADDRESS'] || undefined;
const clients = intEnv('DEPLOY_CLIENTS');
const first = intEnv('DEPLOY_FIRST_CLIENT', 0);
const topicCount = intEnv('DEPLOY_TOPICS');
const perClient = intEnv('DEPLOY_TOPICS_PER_CLIENT', 1);
const connectRate = intEnv('DEPLOY_CONNECT_RATE', 500);
const recorder = new LoadRecorder(first);
const now = (): number => performance.timeOrigin + performance.now();
/** Clients whose connection is down now, and since when. */
const downSince = new Map<number, number>();

/**
 * What a failed reconnection attempt was: the HTTP status the balancer answered (engine.io-client
 * passes ws's "Unexpected server response: 502"), else the socket error's code (ECONNREFUSED…),
 * 'timeout' (the Manager's 20 s connect timeout) or 'error'.
 */
function refusal(error: unknown): number | string {
  const description = (error as { description?: { message?: unknown; error?: { code?: unknown } } }).description;
  const status = /Unexpected server response: (\d{3})/.exec(String(description?.message ?? ''))?.[1];
  if (status !== undefined) return Number(status);
  const code = description?.error?.code;
  if (typeof code === 'string') return code;
  return (error as Error).message === 'timeout' ? 'timeout' : 'error';
}

/** The close code behind a 'disconnect' (engine.io-client passes ws's close event as `context`). */
function closeCode(details: unknown): number {
  const code = (details as { context?: { code?: unknown } } | undefined)?.context?.code;
  return typeof code === 'number' ? code : 1006;
}

function startClient(client: number): void {
  const socket = io(url, {
    transports: ['websocket'],
    // One connection per client (io() shares a Manager per URL otherwise).
    forceNew: true,
    auth: { topics: topicsOf(client, perClient, topicCount) },
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  let everConnected = false;
  recorder.attempt(client);
  socket.on(MESSAGE_EVENT, (text: string) => {
    const message = decodeMessage(text);
    if (message !== undefined) recorder.delivered(client, message, now());
  });
  socket.on('connect', () => {
    // A session socket.io could not restore (rooms and missed packets gone): all the app is told,
    // with no count and no range.
    if (everConnected && !socket.recovered) recorder.gap(client, undefined, now());
    everConnected = true;
  });
  // The node's hello comes after the packets a recovered session missed.
  socket.on(HELLO_EVENT, ({ server }: { server: string }) => {
    downSince.delete(client);
    recorder.subscribed(client, server, now(), socket.recovered);
  });
  socket.on('disconnect', (_reason, details) => {
    downSince.set(client, now());
    recorder.down(client, closeCode(details), now());
  });
  socket.io.on('reconnect_attempt', () => recorder.attempt(client));
  socket.io.on('reconnect_error', (error) => recorder.refused(refusal(error)));
}

serveRequests(
  {
    connect: () => recorder.connectPaced(first, clients, connectRate, startClient),
    ledger: (request: LedgerRequest) => {
      for (const [client, at] of downSince) recorder.ledger.gap(client, undefined, at);
      return recorder.ledger.report(request);
    },
  },
  true satisfies Ready,
);
recorder.startTicks();
