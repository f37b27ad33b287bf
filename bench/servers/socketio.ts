// socket.io over its WebSocket transport only. A different protocol (engine.io framing, event
// names, acks), driven by its own client: compare it with care. Its heartbeat is engine.io's
// pingInterval, on by default (25 s); "off" here is an interval longer than any measurement.
import http from 'node:http';
import { Server } from 'socket.io';
import { listen, type StartServer } from './contract.js';

const HEARTBEAT_OFF_MS = 1_000_000_000;

export const start: StartServer = async (config) => {
  const server = http.createServer();
  const io = new Server(server, {
    transports: ['websocket'],
    serveClient: false,
    pingInterval: config.heartbeat === false ? HEARTBEAT_OFF_MS : config.heartbeat,
    pingTimeout: 20_000,
    maxHttpBufferSize: 1024 * 1024,
  });
  io.use((socket, next) => {
    socket.data.benchUser = typeof socket.handshake.headers['x-bench-user'] === 'string' ? socket.handshake.headers['x-bench-user'] : 'anonymous';
    next();
  });
  io.on('connection', (socket) => {
    socket.on('m', (data: string | Buffer) => socket.emit('m', data));
  });
  return {
    port: await listen(server),
    connections: () => io.engine.clientsCount,
    broadcast: (text) => void io.emit('m', text),
    pending: () => {
      let pending = 0;
      for (const socket of io.sockets.sockets.values()) {
        const raw = socket.conn.transport as unknown as { socket?: { bufferedAmount: number } };
        if ((raw.socket?.bufferedAmount ?? 0) > 0) pending++;
      }
      return pending;
    },
  };
};
