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
server.listen(3000, '127.0.0.1');

process.once('SIGTERM', async () => {
  await upsocket.close({ code: 1012, reason: 'restarting', timeout: 10_000 });
  server.close();
});
