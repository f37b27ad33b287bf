// @fastify/websocket: an onRequest hook as the middleware, then a `{ websocket: true }` route.
import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';
import type { WebSocket } from 'ws';
import { countPending, ECHO_PATH, type StartServer } from './contract.js';
import { identify, type Identified } from './middleware.js';

function wsOnMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  this.send(isBinary ? data : data.toString());
}

export const start: StartServer = async () => {
  const fastify = Fastify({ logger: false });
  await fastify.register(fastifyWebsocket);
  fastify.addHook('onRequest', (request, _reply, done) => {
    (request.raw as Identified).benchUser = identify(request.raw);
    done();
  });
  fastify.get(ECHO_PATH, { websocket: true }, (socket) => {
    socket.on('error', () => socket.terminate());
    socket.on('message', wsOnMessage);
  });
  await fastify.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  const address = fastify.server.address();
  const wss = fastify.websocketServer;
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    connections: () => wss.clients.size,
    broadcast: (text) => {
      for (const ws of wss.clients) ws.send(text);
    },
    pending: () => countPending(wss.clients),
  };
};
