// The server side of bench/http2.ts: one `http2.createSecureServer({ allowHTTP1: true })` with
// `enableConnectProtocol`, upsocket attached, an echo route at /echo (HTTP/2 extended CONNECT and
// HTTP/1.1 upgrade alike) and a page at every other path. It makes its own certificate and says
// it, with its port, when ready. Commands: cpu (this process's user + system µs), memory (after
// GC), connections (open WebSockets).
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { attach, open } from '../src/adapters/node-http/index.js';
import { selfSignedCertificate } from '../test/helpers/certificate.js';
import { answerRequests } from './topics-child.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const { key, cert } = await selfSignedCertificate();
const server = http2.createSecureServer({ key, cert, allowHTTP1: true, settings: { enableConnectProtocol: true } }, (req, res) => {
  const echo = req.url === '/echo' && open(req, async (connection) => {
    for await (const message of connection) {
      if (message.type === 'text') connection.sendText(message.text());
      else connection.sendBinary(message.data);
    }
  });
  if (!echo) res.end('the page');
});
const upsocket = attach(server, { heartbeat: false });

server.listen(0, '127.0.0.1', () => {
  answerRequests(
    {
      cpu: () => {
        const { user, system } = process.cpuUsage();
        return user + system;
      },
      memory: async () => {
        // Several rounds with turns in between: finalizers and weak references need a tick to settle.
        for (let round = 0; round < 4; round++) {
          gc();
          await sleep(50);
        }
        const { rss, heapUsed } = process.memoryUsage();
        return { rss, heapUsed };
      },
      connections: () => upsocket.connections.size,
    },
    { port: (server.address() as AddressInfo).port, cert: cert.toString() },
  );
});
