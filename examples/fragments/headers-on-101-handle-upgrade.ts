import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { handleUpgrade } from 'upsocket/node-http';

const server = http.createServer((_req, res) => res.end('hello over HTTP'));
server.on('upgrade', (req, socket, head) => {
  // No response here for middleware to write to: the headers option is what the 101 adds.
  handleUpgrade(req, socket, head, (connection) => connection.sendText('hello'), {
    headers: { 'X-Request-Id': randomUUID(), 'Set-Cookie': ['a=1; Path=/', 'b=2; Path=/'] },
  });
});
server.listen(3000);
