// The control: ws with noServer + handleUpgrade, echoing as ws's README does. Its heartbeat is
// the README's "detect and close broken connections" pattern, since ws has none built in.
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { countPending, ECHO_PATH, listen, type StartServer } from './contract.js';

type LiveWebSocket = WebSocket & { isAlive?: boolean };

function wsOnMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  this.send(isBinary ? data : data.toString());
}

function wsOnPong(this: LiveWebSocket): void {
  this.isAlive = true;
}

export const start: StartServer = async (config) => {
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== ECHO_PATH) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws: LiveWebSocket) => {
      ws.on('error', () => ws.terminate());
      ws.on('message', wsOnMessage);
      if (config.heartbeat !== false) {
        ws.isAlive = true;
        ws.on('pong', wsOnPong);
      }
    });
  });
  if (config.heartbeat !== false) {
    setInterval(() => {
      for (const ws of wss.clients as Set<LiveWebSocket>) {
        if (ws.isAlive === false) {
          ws.terminate();
          continue;
        }
        ws.isAlive = false;
        ws.ping();
      }
    }, config.heartbeat).unref();
  }
  return {
    port: await listen(server),
    connections: () => wss.clients.size,
    broadcast: (text) => {
      for (const ws of wss.clients) ws.send(text);
    },
    pending: () => countPending(wss.clients),
  };
};
