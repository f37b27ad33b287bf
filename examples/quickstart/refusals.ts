import http from 'node:http';
import { attach, open } from 'upsocket/node-http';

const server = http.createServer((req, res) => {
  if (!open(req, (connection) => connection.sendText('hello'))) res.end('hello over HTTP');
});
attach(server, {
  origins: ['https://app.example'],
  // Structured logs instead of the default line on stderr (`onRefuse: () => {}` silences it).
  onRefuse: ({ method, url, status, reason, remoteAddress }) =>
    console.info(JSON.stringify({ event: 'websocket-refused', method, url, status, reason, remoteAddress })),
  onError: (error, request) => console.error(`websocket ${request.method} ${request.url} failed:`, error),
});
server.listen(3000);
