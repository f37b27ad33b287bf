import type { Server } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ConnectOptions, UpsocketServer } from '../../src/index.js';
import { onCleanup } from './cleanup.js';

/** A server listening on a free loopback port, torn down after the test. */
export interface StartedServer<S extends Server | HttpsServer = Server> {
  server: S;
  upsocket: UpsocketServer;
  /** http://127.0.0.1:port (https: for an https.Server) */
  httpUrl: string;
  /** ws://127.0.0.1:port (wss: for an https.Server) */
  wsUrl: string;
  /** What upsocket's client needs to reach this server, beyond the URL (HTTP/2: a session). */
  connectOptions?: (() => ConnectOptions) | undefined;
}

export async function listen<S extends Server | HttpsServer>(server: S, upsocket: UpsocketServer): Promise<StartedServer<S>> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    await upsocket.close({ timeout: 500 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const secure = server instanceof HttpsServer ? 's' : '';
  return { server, upsocket, httpUrl: `http${secure}://127.0.0.1:${port}`, wsUrl: `ws${secure}://127.0.0.1:${port}` };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds, failing after `timeout` ms. */
export async function until(condition: () => boolean, timeout = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}
