import http from 'node:http';
import { attach, open } from 'upsocket/node-http';

// Drop connections whose request head has not arrived within 10 s, checked every 2 s.
const server = http.createServer({ connectionsCheckingInterval: 2000 }, (req, res) => {
  if (!open(req, (connection) => connection.sendText('hello'))) res.end('hello over HTTP');
});
server.headersTimeout = 10_000;
server.requestTimeout = 30_000;
attach(server);
server.listen(3000);
