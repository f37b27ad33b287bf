import http from 'node:http';
import { Server } from 'socket.io';
import { attach, open } from 'upsocket/node-http';

const server = http.createServer((req, res) => {
  if (!open(req, (connection) => connection.sendText('hello from upsocket'))) res.end('hello over HTTP');
});
const io = new Server(server, { destroyUpgrade: false });
io.on('connection', (socket) => socket.emit('hello', 'from socket.io'));
attach(server, { filter: (req) => !req.url?.startsWith('/socket.io/') });
server.listen(3000);
