// One app process of the presence bench (bench/presence.ts): topics with presence on its own Redis
// backend (REDIS_URL), an HTTP server whose `/?watch=1` subscribes a WebSocket to the presence of
// 'room' and `/?user=<key>` tracks it there, and commands over IPC (topics-child.ts): its CPU time
// and heap, connections made in memory with pair() (no sockets: what presence itself costs) tracked
// in 'room', and an in-memory presence subscriber that counts the members its frames list.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attach, open } from '../src/adapters/node-http/index.js';
import { createTopics, type Connection } from '../src/index.js';
import { pair } from '../src/testing/index.js';
import { createRedisBackend } from '../src/topics/redis/index.js';
import { parseEnvelope, PresenceList } from '../src/wire/index.js';
import { answerRequests } from './topics-child.js';

const backend = createRedisBackend({ url: process.env.REDIS_URL, onError: () => {} });
const topics = createTopics({ backend, presence: { interval: 50, grace: 0 } });

const server = http.createServer((req, res) => {
  const joined = open(req, async (connection) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = url.searchParams.get('user');
    if (url.searchParams.get('watch') === '1') await topics.subscribe(connection, 'room', { presence: true });
    if (user !== null) topics.track(connection, 'room', user, { name: user });
    connection.sendText('ready');
    for await (const message of connection) void message;
  });
  if (!joined) res.writeHead(404).end();
});
attach(server, { heartbeat: false });

const pairs: Connection[] = [];
/** Members the in-memory subscriber's list holds, from the changes its frames made. */
let members = 0;

/** A presence subscriber over pair(): its client end applies the frames to a PresenceList. */
async function watch(): Promise<void> {
  const [serverEnd, clientEnd] = pair();
  const list = new PresenceList();
  void (async () => {
    for await (const message of clientEnd) {
      const frame = parseEnvelope(message.text());
      if (frame?.kind !== 'state' && frame?.kind !== 'diff') continue;
      const changes = frame.kind === 'state' ? list.state(frame.members) : list.diff(frame.joins, frame.leaves);
      for (const change of changes) members += change.type === 'join' ? 1 : change.type === 'leave' ? -1 : 0;
    }
  })();
  await topics.subscribe(serverEnd, 'room', { presence: true });
}

function heap(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

server.listen(0, '127.0.0.1', () => {
  answerRequests(
    {
      cpu: () => process.cpuUsage(),
      heap,
      /** Opens `count` connections in memory, tracked in nothing yet. */
      pairs: ({ count }: { count: number }) => {
        for (let index = 0; index < count; index++) pairs.push(pair()[0]);
      },
      /** Tracks every open pair connection in 'room' under `<prefix><index>`. */
      track: ({ prefix }: { prefix: string }) => {
        pairs.forEach((connection, index) => topics.track(connection, 'room', `${prefix}${index}`, { name: `${prefix}${index}` }));
      },
      watch,
      /** Resolves with the time (ms, this process's clock) once the subscriber lists `count` members. */
      members: async ({ count }: { count: number }) => {
        while (members !== count) await new Promise((resolve) => setTimeout(resolve, 2));
        return performance.timeOrigin + performance.now();
      },
    },
    (server.address() as AddressInfo).port,
  );
});
