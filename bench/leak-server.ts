// The server side of the leak check (bench/leak.ts starts it): a node:http server with upsocket
// attached and an echo route, in its own process started with --expose-gc so its heap can be
// measured without the load generator's objects in it. Talks to its parent over IPC.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attach, open } from '../src/adapters/node-http/index.js';

/** What the parent asks for. */
export type LeakServerRequest = { type: 'measure' } | { type: 'exit' };

/** What the server answers. */
export type LeakServerReply =
  | { type: 'ready'; port: number }
  | { type: 'measured'; heapUsed: number; connections: number; sockets: number };

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('leak-server must run with --expose-gc');

// The leak check's own check: with UPSOCKET_LEAK_SERVER_RETAIN=1 every connection is kept
// forever, a leak the check must report.
const retained: unknown[] = [];
const retain = process.env.UPSOCKET_LEAK_SERVER_RETAIN === '1';

const server = http.createServer((req, res) => {
  const handled = open(req, async (connection) => {
    if (retain) retained.push(connection);
    for await (const message of connection) {
      const text = message.text();
      // 'bye' ends the handler: the server closes (1000) rather than the client.
      if (text === 'bye') return;
      connection.sendText(text);
    }
  });
  if (!handled) res.writeHead(404).end();
});
// Cross-site origins are refused (403): the refusal path is exercised too, without the default
// one line on stderr per refusal, which would bury the report.
const upsocket = attach(server, { onRefuse: () => {} });

function send(reply: LeakServerReply): void {
  process.send?.(reply);
}

async function settle(): Promise<void> {
  // Several rounds: objects freed by one collection can release others (weak maps, finalizers).
  for (let round = 0; round < 4; round++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function measure(): Promise<void> {
  await settle();
  // The smallest of three readings: a collection can land just before an allocation burst.
  let heapUsed = Infinity;
  for (let reading = 0; reading < 3; reading++) {
    gc!();
    heapUsed = Math.min(heapUsed, process.memoryUsage().heapUsed);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const sockets = await new Promise<number>((resolve) => server.getConnections((_error, count) => resolve(count)));
  send({ type: 'measured', heapUsed, connections: upsocket.connections.size, sockets });
}

process.on('message', (request: LeakServerRequest) => {
  if (request.type === 'measure') void measure();
  if (request.type === 'exit') {
    void upsocket.close({ timeout: 1000 }).then(() => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
