import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UpsocketServer } from '../../src/index.js';
import { onCleanup } from './cleanup.js';

/** A server listening on a free loopback port, torn down after the test. */
export interface StartedServer {
  server: Server;
  upsocket: UpsocketServer;
  /** http://127.0.0.1:port */
  httpUrl: string;
  /** ws://127.0.0.1:port */
  wsUrl: string;
}

export async function listen(server: Server, upsocket: UpsocketServer): Promise<StartedServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    await upsocket.close({ timeout: 500 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { server, upsocket, httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
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
