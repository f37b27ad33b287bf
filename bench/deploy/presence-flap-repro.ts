// A reproduction (npx tsx bench/deploy/presence-flap-repro.ts; needs redis-server): a member that
// moves to another process well within the presence grace must not flap (leave, then join) for a
// subscriber that lands on a process which starts listening to the topic only after the old process
// closed its topics. docs/presence.md says "never a leave and a join"; the deploy scenario with few
// connections per topic and process (--topics 100 at 600 clients) counted such flaps before the fix.
//
// Why it flapped: `topics.close()` sends the held leaves with the rest of their grace; the processes
// listening then held them, but Redis dropped the entries at once, so a process whose first presence
// subscriber of the topic came later read a state without them. Redis now keeps them until their
// grace ends (docs/presence.md, "Redis"). Two Topics on one Redis stand for two app processes; one
// http server sends each upgrade to the current one, as a balancer would after a drain. Exits 1 when
// the flap is seen. The regression tests: test/topics/presence-redis-drain.test.ts.
import http from 'node:http';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { connect, createTopics, reconnecting, type Connection, type Topics } from '../../src/index.js';
import { createRedisBackend } from '../../src/topics/redis/index.js';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { FlapCounter } from './presence-flaps.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const redis = await RedisServer.launch();
// The default grace: 5 s.
const a = createTopics({ backend: createRedisBackend({ url: redis.url }) });
const b = createTopics({ backend: createRedisBackend({ url: redis.url }) });
let current: Topics | undefined = a;
const connections = new Set<Connection>();
const server = http.createServer((req, res) => {
  const user = new URL(req.url ?? '/', 'http://localhost').searchParams.get('user') ?? 'anonymous';
  const topics = current;
  // While A drains, nobody takes upgrades (A refuses them; B is not in the balancer yet).
  if (topics === undefined) return void res.writeHead(503).end();
  const opened = open(req, async (connection) => {
    connections.add(connection);
    await topics.subscribe(connection, 'room', { presence: true });
    topics.track(connection, 'room', user);
    for await (const message of connection) void message;
  });
  if (!opened) res.writeHead(404).end();
});
attach(server);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;

const start = Date.now();
const flaps = new FlapCounter();
const heard: string[] = [];
const bob = reconnecting(`${base}?user=bob`, async (connection) => void (await connection.closed), {
  resume: true,
  onPresence: ({ change, key }) => {
    heard.push(`${Date.now() - start} ms: ${change} ${key}`);
    flaps.record(0, 'room', key, change, Date.now());
  },
});
const alice = await connect(`${base}?user=alice`);
await sleep(500);
// A drains: every connection closed with 1012, then topics.close(); the balancer then sends to B.
current = undefined;
for (const connection of connections) connection.close(1012);
await alice.closed;
await a.close();
current = b;
// Alice is back 300 ms later, on B: well within the grace.
await sleep(300);
const aliceAgain = await connect(`${base}?user=alice`);
await sleep(1000);
console.log(heard.join('\n'));
const { all } = flaps.report({ phases: [{ name: 'all', lastSeqs: {}, endAt: Infinity }] }).phases;
console.log(all!.flaps === 0 ? 'no flap: bob heard updates only' : `FLAP: bob heard ${all!.members.join(', ')} leave and join again (away up to ${all!.awayMaxMs} ms, the grace is 5000 ms)`);
await bob.close();
aliceAgain.close();
await b.close();
server.close();
await redis.stop();
process.exit(all!.flaps === 0 ? 0 : 1);
