// express-ws: the same app-level middleware, then app.ws() for the echo path.
import http from 'node:http';
import express from 'express';
import expressWs from 'express-ws';
import type { WebSocket } from 'ws';
import { countPending, ECHO_PATH, listen, type StartServer } from './contract.js';
import { identify, type Identified } from './middleware.js';

function wsOnMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  this.send(isBinary ? data : data.toString());
}

export const start: StartServer = async () => {
  const base = express();
  const server = http.createServer(base);
  const instance = expressWs(base, server);
  const { app } = instance;
  app.use((req: Identified & http.IncomingMessage, _res, next) => {
    req.benchUser = identify(req);
    next();
  });
  app.ws(ECHO_PATH, (ws) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', wsOnMessage);
  });
  const wss = instance.getWss();
  return {
    port: await listen(server),
    connections: () => wss.clients.size,
    broadcast: (text) => {
      for (const ws of wss.clients) ws.send(text);
    },
    pending: () => countPending(wss.clients),
  };
};
