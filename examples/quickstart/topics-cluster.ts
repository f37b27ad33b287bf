import cluster from 'node:cluster';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { createTopics } from 'upsocket';
import { attach, open } from 'upsocket/node-http';
import { createRedisBackend } from 'upsocket/redis';

if (cluster.isPrimary) {
  for (let i = 0; i < availableParallelism(); i++) cluster.fork();
} else {
  // Every worker listens on port 3000; a message published in one reaches subscribers in all.
  const topics = createTopics({ backend: createRedisBackend({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }) });
  const server = http.createServer((req, res) => {
    const joined = open(req, async (connection) => {
      await topics.subscribe(connection, 'news');
      for await (const message of connection) await topics.publish('news', message.text());
    });
    if (!joined) res.end('join with a WebSocket');
  });
  attach(server);
  server.listen(3000, () => console.log(`worker ${process.pid}: ws://localhost:3000/`));
}
