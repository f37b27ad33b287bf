import http from 'node:http';
import { handleUpgrade } from 'upsocket/node-http';

const server = http.createServer((req, res) => res.end('hello over HTTP'));
server.on('upgrade', (req, socket, head) => {
  if (req.url !== '/live') return void socket.destroy();
  handleUpgrade(req, socket, head, (connection) => connection.sendText('hi'), {
    maxConnections: 10_000,
    connectionsPerClient: { max: 8 },
    rateLimit: { messages: 100, bytes: 1024 * 1024, interval: 1000 },
  });
});
server.listen(3000);
