// The server of the A/B topics rows (bench/compare.ts): like bench/topics-server.ts, but it loads
// upsocket from the dist/ directory named by UPSOCKET_DIST, so the same script serves the baseline
// build and the current one. Only API that predates topic history is used (createTopics,
// subscribe, publish, subscriberCount; attach/open of upsocket/node-http); `history` is passed
// only when HISTORY is set, since older builds reject options they do not know.
// Every WebSocket on /topics/<name> subscribes to <name> and is then sent `subscribed`.
// Topics go through Redis when REDIS_URL is set. Commands: publishAtRate, subscribers, cpu.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { answerRequests } from '../topics-child.js';
import { publishAtRate } from '../topics-latency.js';

// The types of today's build; an older dist/ is checked for the functions below before use.
type Core = typeof import('../../src/index.js');
type NodeHttp = typeof import('../../src/adapters/node-http/index.js');
type Redis = typeof import('../../src/topics/redis/index.js');

const dist = process.env.UPSOCKET_DIST;
if (dist === undefined) throw new Error('UPSOCKET_DIST is not set');
const load = async <T>(file: string, names: string[]): Promise<T> => {
  const module = (await import(pathToFileURL(path.join(dist, file)).href)) as Record<string, unknown>;
  for (const name of names) if (typeof module[name] !== 'function') throw new Error(`${dist}/${file} has no ${name}()`);
  return module as T;
};
const { createTopics } = await load<Core>('index.js', ['createTopics']);
const { attach, open } = await load<NodeHttp>('adapters/node-http.js', ['attach', 'open']);
const redisUrl = process.env.REDIS_URL;
const backend = redisUrl ? (await load<Redis>('backends/redis.js', ['createRedisBackend'])).createRedisBackend({ url: redisUrl }) : undefined;
const history = process.env.HISTORY === undefined ? {} : { history: { maxMessages: Number(process.env.HISTORY) } };
const topics = createTopics({ backend, maxBufferedAmount: 64 * 1024 * 1024, ...history });

const server = http.createServer((req, res) => {
  const topic = /^\/topics\/([^/?]+)(?:\?|$)/.exec(req.url ?? '')?.[1];
  if (topic !== undefined && open(req, async (connection) => {
    await topics.subscribe(connection, topic);
    connection.sendText('subscribed');
    for await (const message of connection) void message;
  })) return;
  res.writeHead(404).end();
});
attach(server, { heartbeat: false });

server.listen(0, '127.0.0.1', () => {
  answerRequests(
    {
      subscribers: (args: { topic: string }) => topics.subscriberCount(args.topic),
      // µs of CPU this process has used (user + system): the cost figure that contention on the
      // machine inflates far less than latency.
      cpu: () => {
        const { user, system } = process.cpuUsage();
        return user + system;
      },
      publishAtRate: (args: { topic: string; messages: number; rate: number }) =>
        publishAtRate((text) => topics.publish(args.topic, text), args.messages, args.rate),
    },
    (server.address() as AddressInfo).port,
  );
});
