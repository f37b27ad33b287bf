// Reference, not a library: the raw ws control plus the one thing upsocket does differently on
// the write path: cork the socket on the first send of a tick, uncork at the end of the tick,
// so replies to a batch of incoming messages leave in one write. The gap between this row and
// upsocket's is the cost of upsocket's own layers (pull-based read, queues, promises).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { countPending, ECHO_PATH, listen, type StartServer } from './contract.js';

type CorkedWebSocket = WebSocket & { corkedSocket: Duplex; corked: boolean };

function uncork(ws: CorkedWebSocket): void {
  ws.corked = false;
  ws.corkedSocket.uncork();
}

function sendCorked(ws: CorkedWebSocket, data: string | Buffer): void {
  if (!ws.corked) {
    ws.corked = true;
    ws.corkedSocket.cork();
    process.nextTick(uncork, ws);
  }
  ws.send(data);
}

function wsOnMessage(this: CorkedWebSocket, data: Buffer, isBinary: boolean): void {
  sendCorked(this, isBinary ? data : data.toString());
}

export const start: StartServer = async () => {
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== ECHO_PATH) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (accepted) => {
      const ws = Object.assign(accepted, { corkedSocket: socket, corked: false });
      ws.on('error', () => ws.terminate());
      ws.on('message', wsOnMessage as (this: WebSocket, data: Buffer, isBinary: boolean) => void);
    });
  });
  return {
    port: await listen(server),
    connections: () => wss.clients.size,
    broadcast: (text) => {
      for (const ws of wss.clients) sendCorked(ws as CorkedWebSocket, text);
    },
    pending: () => countPending(wss.clients),
  };
};
