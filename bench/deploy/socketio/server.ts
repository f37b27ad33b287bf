// The socket.io 4.8 node of the deploy scenario (issue 24 part 4; the process contract is
// bench/deploy/contract.ts), set up as socket.io's docs describe for a cluster that should survive
// short disconnections:
// - connection state recovery (https://socket.io/docs/v4/connection-state-recovery): on a
//   disconnection the node stores the socket's id, rooms and data in Redis; a client back within
//   maxDisconnectionDuration, on any node, gets them back plus the packets it missed;
// - the Redis Streams adapter (cluster.ts);
// - the WebSocket transport only, on both sides, so the balancer needs no sticky sessions.
// Clients name their topics in the handshake's `auth.topics`; each topic is a room.
import http from 'node:http';
import { Server } from 'socket.io';
import { serveRequests } from '../../ipc.js';
import { now } from '../../topics-child.js';
import type { ServerReady, ServerState } from '../contract.js';
import { startServerTicks } from '../server-ticks.js';
import { HELLO_EVENT, intEnv, redisClient, streamsAdapter, stringEnv } from './cluster.js';

/** How long a disconnected session is kept: socket.io's documented default and example value. */
const MAX_DISCONNECTION_MS = 2 * 60 * 1000;

const id = stringEnv('DEPLOY_SERVER');

function requestedTopics(auth: Record<string, unknown>): string[] {
  const topics = auth['topics'];
  return Array.isArray(topics) ? topics.filter((topic): topic is string => typeof topic === 'string') : [];
}

const redis = redisClient(stringEnv('REDIS_URL'), `sio-${id}`);
await redis.ping();
/**
 * Resolves once the adapter's stream reader (a duplicate of `redis`, so it has the same name) is
 * blocked in XREAD. It reads from "$" (entries added after it starts): a node that took sockets
 * before that would miss the broadcasts in between for sockets it restored from an earlier offset,
 * a loss of the bench's start-up, not of socket.io's recovery, so the node listens only after it.
 */
async function adapterReading(): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const list = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'normal'));
    if (list.split('\n').some((line) => line.includes(` name=sio-${id} `) && line.includes(' cmd=xread'))) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`socket.io node ${id}: the adapter's XREAD did not start within 10 s`);
}

/**
 * What recovery cost this node, said on stderr when it exits: sessions restored, how long each
 * restoreSession() took, and the XRANGE calls it made. The adapter reads a session's missed
 * packets with XRANGE from its offset to the stream's end, every room's entries (one stream per
 * namespace), and again from there until a read comes back empty (at most 100 times): a restore
 * costs the whole cluster's traffic since the disconnection, and under a steady publish rate the
 * end keeps moving, so a node slowed by restores makes each of them read more.
 */
function watchRestores(): void {
  const adapter = io.of('/').adapter as unknown as { restoreSession(pid: string, offset: string): Promise<unknown> };
  const restore = adapter.restoreSession.bind(adapter);
  const durations: number[] = [];
  let failed = 0;
  let xranges = 0;
  const xrange = redis.xrange.bind(redis) as (...args: unknown[]) => unknown;
  (redis as unknown as { xrange: (...args: unknown[]) => unknown }).xrange = (...args) => (xranges++, xrange(...args));
  adapter.restoreSession = async (pid, offset) => {
    const start = now();
    try {
      return await restore(pid, offset);
    } catch (error) {
      failed++;
      throw error;
    } finally {
      durations.push(now() - start);
    }
  };
  // How far behind the stream this node's reader ran: an entry's id starts with its XADD time. A
  // reader further behind than the stream's length (maxLen entries) skips what was trimmed.
  const onRawMessage = (adapter as unknown as { onRawMessage(message: unknown, offset: string): unknown }).onRawMessage.bind(adapter);
  let readerLagMaxMs = 0;
  (adapter as unknown as { onRawMessage(message: unknown, offset: string): unknown }).onRawMessage = (message, offset) => {
    readerLagMaxMs = Math.max(readerLagMaxMs, Date.now() - Number(offset.split('-')[0]));
    return onRawMessage(message, offset);
  };
  process.on('exit', () => {
    console.error(`socket.io node ${id}: its stream reader ran at most ${(readerLagMaxMs / 1000).toFixed(1)} s behind`);
    if (durations.length === 0) return;
    durations.sort((a, b) => a - b);
    const at = (q: number): string => durations[Math.min(durations.length - 1, Math.floor(durations.length * q))]!.toFixed(0);
    console.error(`socket.io node ${id}: ${durations.length} restoreSession() calls (${failed} found no session or offset), ${xranges} XRANGE; ms p50 ${at(0.5)} p99 ${at(0.99)} max ${at(1)}`);
  });
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  connectionStateRecovery: { maxDisconnectionDuration: MAX_DISCONNECTION_MS, skipMiddlewares: true },
  adapter: streamsAdapter(redis),
});
io.on('connection', (socket) => {
  // A recovered socket is back in its rooms already, and its missed packets went out before this
  // event; a new (or unrecoverable) one joins its topics.
  if (!socket.recovered) void socket.join(requestedTopics(socket.handshake.auth));
  // An object, not a string: the client takes a string last argument for a recovery offset.
  socket.emit(HELLO_EVENT, { server: id });
});

watchRestores();
await adapterReading();
await new Promise<void>((resolve, reject) => {
  httpServer.once('error', reject);
  // DEPLOY_BACKLOG unset: Node's default listen backlog (511), as socket.io users run it.
  const backlog = process.env['DEPLOY_BACKLOG'] ? intEnv('DEPLOY_BACKLOG') : undefined;
  httpServer.listen({ port: intEnv('DEPLOY_PORT'), host: '127.0.0.1', backlog }, resolve);
});

// socket.io has no admission control of its own: it refuses nothing.
const ticks = startServerTicks(id, () => io.engine.clientsCount, () => 0);

process.once('SIGTERM', () => {
  process.send?.({ type: 'draining', server: id, at: now() } satisfies ServerState);
  // What socket.io offers for a deploy is io.close(): it disconnects every socket with the reason
  // "server shutting down" (a recoverable reason, so each session is stored in Redis), closes the
  // adapter, closes every engine.io connection in the same tick, and closes the HTTP server. There
  // is no drain and no spreading: the clients see "transport close" and reconnect after their
  // reconnectionDelay (1 s × a random factor of 0.5–1.5 by default), through the balancer, to the
  // other nodes. (io.disconnectSockets(true) would be a non-recoverable "server namespace
  // disconnect", which clients do not even reconnect after.)
  // io.close() resolves when the HTTP server has closed, i.e. once every WebSocket finished its
  // close handshake, which takes long on a loaded machine; wait for it 10 s at most.
  const closed = io.close();
  const atMost = (ms: number, promise: Promise<unknown>): Promise<unknown> => Promise.race([promise.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
  // The sessions were stored with SETs queued on `redis` by io.close()'s first step; QUIT is
  // answered after them, so every session is in Redis before the process exits.
  void atMost(10_000, closed)
    .then(() => atMost(5_000, redis.quit()))
    .then(() => {
      ticks.stop();
      // Exit once the IPC channel has taken 'drained'.
      if (process.send === undefined) process.exit(0);
      process.send({ type: 'drained', server: id, at: now() } satisfies ServerState, () => process.exit(0));
    });
});

serveRequests({}, { server: id, port: intEnv('DEPLOY_PORT'), pid: process.pid } satisfies ServerReady);
