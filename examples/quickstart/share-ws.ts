import http from 'node:http';
import { WebSocketServer } from 'ws';
import { attach, open } from 'upsocket/node-http';

const server = http.createServer((req, res) => {
  if (!open(req, (connection) => connection.sendText('hello from upsocket'))) res.end('hello over HTTP');
});
// Create the second ws server with noServer: `new WebSocketServer({ server, path })` answers 400
// to every other path (ws's own behaviour), so upsocket would never see its upgrades.
const other = new WebSocketServer({ noServer: true });
other.on('connection', (ws) => ws.send('hello from the other ws server'));
server.on('upgrade', (req, socket, head) => {
  // The pathname, not req.url: `/other?token=abc` is /other too.
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (pathname === '/other') other.handleUpgrade(req, socket, head, (ws) => other.emit('connection', ws, req));
});
attach(server);
server.listen(3000);
