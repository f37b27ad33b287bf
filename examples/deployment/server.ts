import express from 'express';
import http from 'node:http';
import { attach, websocket } from 'upsocket/express';

const app = express();
app.set('trust proxy', 'loopback'); // req.ip: the address nginx forwarded, not nginx's own
app.use((req, res, next) => (req.headers.authorization === 'Bearer let-me-in' ? next() : res.status(401).send('log in first')));
app.get('/chat', websocket(async (connection, req: express.Request) => {
  connection.sendJSON({ you: req.ip });
  for await (const message of connection) connection.sendText(message.text());
}));

const server = http.createServer(app);
const upsocket = attach(server, {
  trustProxy: true, // nginx sets X-Forwarded-For: caps count clients, not the proxy
  connectionsPerClient: { max: 10 },
  heartbeat: 30_000, // below proxy_read_timeout, so idle connections stay up
  retryAfter: 10,
});
// backlog: connections the kernel queues until Node accepts them (Node's default 511, capped by
// net.core.somaxconn): room for a storm of reconnects while the event loop is busy.
server.listen({ port: 3000, host: '127.0.0.1', backlog: 4096 });

process.once('SIGTERM', async () => {
  // Drain: new upgrades get 503 + Retry-After at once (nginx passes them to another server);
  // every connection gets 1012 (service restart), spread over 6 ms per connection (at most
  // 10 s), so its clients come back to the others calmly; then handlers get up to 10 s.
  await upsocket.close({ reason: 'restarting', timeout: 10_000 });
  server.close(); // then, with topics: await topics.close(), which lets go of Redis
});
