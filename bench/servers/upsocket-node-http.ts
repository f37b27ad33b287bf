// upsocket on a bare node:http server: the request handler calls open() for the echo path.
import http from 'node:http';
import { attach, open, type UpsocketServer } from 'upsocket/node-http';
import { countPending, ECHO_PATH, listen, type BenchServer, type ServerConfig, type StartServer } from './contract.js';
import { echo } from './upsocket-echo.js';

/** What the three upsocket servers share once their app is attached. */
export async function upsocketBench(server: http.Server, upsocket: UpsocketServer): Promise<BenchServer> {
  return {
    port: await listen(server),
    connections: () => upsocket.connections.size,
    broadcast: (text) => {
      for (const connection of upsocket.connections) connection.sendText(text);
    },
    pending: () => countPending(upsocket.connections),
  };
}

export function upsocketOptions(config: ServerConfig): { heartbeat: number | false } {
  return { heartbeat: config.heartbeat };
}

export const start: StartServer = async (config) => {
  const server = http.createServer((req, res) => {
    if (req.url === ECHO_PATH && open(req, echo)) return;
    res.writeHead(404).end();
  });
  return upsocketBench(server, attach(server, upsocketOptions(config)));
};
