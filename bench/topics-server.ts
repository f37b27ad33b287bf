// The server side of bench/topics.ts: every WebSocket on /topics/<name> subscribes to <name>.
// Topics go through Redis when REDIS_URL is set (a Redis Cluster: REDIS_CLUSTER, its nodes' URLs comma-separated), and keep a history of HISTORY messages per topic
// when that is set. A connection whose URL carries `upsocket-resume` subscribes from there, in the
// envelope. Once subscribed, each connection is sent `subscribed <id of the topic's last message>`.
// Commands: publish (timed fan-out), sendEach (the same message with one sendText per connection,
// for comparison), subscribers, publishAtRate (timestamped messages, for latency), fill (count
// messages at once).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attach, open } from '../src/adapters/node-http/index.js';
import { createRedisBackend } from '../src/topics/redis/index.js';
import { createTopics, resumePoints, type Connection } from '../src/index.js';
import { answerRequests, now } from './topics-child.js';
import { publishAtRate } from './topics-latency.js';

const redisUrl = process.env.REDIS_URL;
const clusterNodes = process.env.REDIS_CLUSTER?.split(',');
const history = process.env.HISTORY === undefined ? undefined : { maxMessages: Number(process.env.HISTORY) };
const backend = clusterNodes ? createRedisBackend({ cluster: { nodes: clusterNodes } }) : redisUrl ? createRedisBackend({ url: redisUrl }) : undefined;
const topics = createTopics({ backend, maxBufferedAmount: 64 * 1024 * 1024, history });
const connections = new Set<Connection>();

const server = http.createServer((req, res) => {
  const topic = /^\/topics\/([^/?]+)(?:\?|$)/.exec(req.url ?? '')?.[1];
  if (topic !== undefined && open(req, async (connection) => {
    connections.add(connection);
    const since = resumePoints(req)[topic];
    const { after } = await topics.subscribe(connection, topic, { since, envelope: since !== undefined });
    connection.sendText(`subscribed ${after ?? ''}`);
    for await (const message of connection) void message;
    connections.delete(connection);
  })) return;
  res.writeHead(404).end();
});
const upsocket = attach(server, { heartbeat: false });

/** Once the writes of this tick have left and no socket holds unsent bytes. */
async function flushed(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  while ([...upsocket.connections].some((connection) => connection.bufferedAmount > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function timed(send: () => unknown): Promise<{ start: number; callMs: number; flushedMs: number }> {
  const start = now();
  await send();
  const callMs = now() - start;
  await flushed();
  return { start, callMs, flushedMs: now() - start };
}

server.listen(0, '127.0.0.1', () => {
  answerRequests(
    {
      publish: (args: { topic: string; text: string }) => timed(() => topics.publish(args.topic, args.text)),
      sendEach: (args: { text: string }) => timed(() => {
        for (const connection of connections) connection.sendText(args.text);
      }),
      subscribers: (args: { topic: string }) => topics.subscriberCount(args.topic),
      publishAtRate: (args: { topic: string; messages: number; rate: number }) =>
        publishAtRate((text) => topics.publish(args.topic, text), args.messages, args.rate),
      fill: async (args: { topic: string; count: number; text: string }) => {
        for (let i = 0; i < args.count; i++) await topics.publish(args.topic, args.text);
      },
    },
    (server.address() as AddressInfo).port,
  );
});
