// The upsocket server of the deploy scenario (bench/deploy/contract.ts, "Server process"): node:http,
// topics on Redis with history, each WebSocket on /deploy?topics=t1,t2 subscribed to those topics in
// the envelope (resuming from the `upsocket-resume` points its URL carries), then told
// `welcome <server id> <when its upgrade reached the app, ms since the epoch>`. SIGTERM: docs/deployment.md's recipe (close(): 503 to new upgrades, 1012
// spread over a window, handlers' timeout; server.close(); topics.close()), then exit. Admission
// (maxPendingUpgrades) at its default; the listen backlog Node's unless DEPLOY_BACKLOG says.
// DEPLOY_PRESENCE_MEMBERS (--presence): each connection also subscribed with `presence: true` and
// tracked in its topics as a tab of member `user-<client mod members>` (contract.ts, "Presence").
import http from 'node:http';
import { attach, open } from '../../../src/adapters/node-http/index.js';
import { createTopics } from '../../../src/index.js';
import { createRedisBackend } from '../../../src/topics/redis/index.js';
import { serveRequests } from '../../ipc.js';
import type { ServerReady, ServerState } from '../contract.js';
import { startServerTicks } from '../server-ticks.js';

const id = process.env.DEPLOY_SERVER ?? 's?';
const port = Number(process.env.DEPLOY_PORT);
const members = process.env.DEPLOY_PRESENCE_MEMBERS === undefined ? undefined : Number(process.env.DEPLOY_PRESENCE_MEMBERS);
const grace = process.env.DEPLOY_PRESENCE_GRACE === undefined ? undefined : Number(process.env.DEPLOY_PRESENCE_GRACE);
const topics = createTopics({
  backend: createRedisBackend({ url: process.env.REDIS_URL }),
  history: { maxMessages: Number(process.env.DEPLOY_HISTORY ?? 1000) },
  ...(grace !== undefined && { presence: { grace } }),
});

const server = http.createServer((req, res) => {
  const arrivedAt = performance.timeOrigin + performance.now();
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const names = query.get('topics')?.split(',') ?? [];
  const client = Number(query.get('client') ?? 0);
  const opened = open(req, async (connection) => {
    // Every topic replayed from the URL's resume points before the client hears it is back.
    await Promise.all(names.map((name) => topics.subscribe(connection, name, { envelope: true, presence: members !== undefined })));
    if (members !== undefined) for (const name of names) topics.track(connection, name, `user-${client % members}`, { tab: Math.floor(client / members) });
    // When the upgrade reached the app, for the bench's split of resume times (report.ts).
    connection.sendText(`welcome ${id} ${arrivedAt.toFixed(1)}`);
    for await (const message of connection) void message;
  });
  if (!opened) res.writeHead(404).end();
});

let refused = 0;
const upsocket = attach(server, { onRefuse: () => refused++ });
const ticks = startServerTicks(id, () => upsocket.connections.size, () => {
  const count = refused;
  refused = 0;
  return count;
});

function say(type: ServerState['type']): void {
  process.send?.({ type, server: id, at: performance.timeOrigin + performance.now() } satisfies ServerState);
}

process.once('SIGTERM', async () => {
  say('draining');
  const spread = process.env.DEPLOY_SPREAD === undefined ? undefined : Number(process.env.DEPLOY_SPREAD);
  await upsocket.close({ reason: 'restarting', timeout: 10_000, ...(spread !== undefined && { spread }) });
  await new Promise((resolve) => server.close(resolve));
  await topics.close();
  say('drained');
  ticks.stop();
  process.exit(0);
});

const backlog = process.env.DEPLOY_BACKLOG === undefined ? undefined : Number(process.env.DEPLOY_BACKLOG);
server.listen({ port, host: '127.0.0.1', ...(backlog !== undefined && { backlog }) }, () => {
  serveRequests({}, { server: id, port, pid: process.pid } satisfies ServerReady);
});
