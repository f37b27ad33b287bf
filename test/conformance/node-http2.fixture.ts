import http2, { type Http2SecureServer, type Http2Server, type Http2Session } from 'node:http2';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attach } from '../../src/adapters/node-http/index.js';
import type { ConnectOptions } from '../../src/index.js';
import { selfSignedCertificate } from '../helpers/certificate.js';
import { onCleanup } from '../helpers/cleanup.js';
import type { StartedServer } from '../helpers/server.js';
import type { AdapterFixture } from './contract.js';
import { nodeHttpApp } from './node-http.fixture.js';

/**
 * Listens on a free loopback port and tears the server down after the test: upsocket first, then
 * every session (an http2 server's close() waits for them).
 */
export async function listenHttp2(server: Http2Server | Http2SecureServer, secure: boolean, spec: Parameters<AdapterFixture['start']>[0]): Promise<StartedServer> {
  const upsocket = attach(server, spec.attachOptions);
  const sessions = new Set<Http2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    await upsocket.close({ timeout: 500 });
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const s = secure ? 's' : '';
  const origin = `http${s}://127.0.0.1:${port}`;
  const ca = secure ? (await selfSignedCertificate()).cert : undefined;
  return {
    server: server as unknown as Server,
    upsocket,
    httpUrl: origin,
    wsUrl: `ws${s}://127.0.0.1:${port}`,
    // Over TLS the client's session trusts the test's certificate; h2c needs none of ours.
    connectOptions: (): ConnectOptions => {
      if (ca === undefined) return { http2: true };
      const session = http2.connect(origin, { ca });
      session.on('error', () => {});
      onCleanup(() => session.destroy());
      return { http2: session };
    },
  };
}

/**
 * The node-http standard app on a `node:http2` server: cleartext (h2c, `createServer`) or TLS
 * (`createSecureServer` with `allowHTTP1`, so HTTP/1.1 upgrades share the port); upsocket's
 * client opens its WebSockets as RFC 8441 streams.
 */
export function nodeHttp2Fixture({ secure }: { secure: boolean }): AdapterFixture {
  return {
    label: secure ? 'node:http2 createSecureServer (TLS, allowHTTP1)' : 'node:http2 createServer (h2c)',
    capabilities: { frameworkNotFoundPage: false, routePattern: undefined, http2: true },
    async start(spec) {
      const app = nodeHttpApp(spec);
      const server = secure ? http2.createSecureServer({ ...(await selfSignedCertificate()), allowHTTP1: true }, app) : http2.createServer(app);
      return listenHttp2(server, secure, spec);
    },
  };
}
