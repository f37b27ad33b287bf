// Loopback ports for programs that cannot be told to pick their own (redis-server, nginx, HAProxy,
// a child process). A port found free can be taken by another test file before the program binds
// it: startOnFreePort() tries again on a fresh one.
import { createServer } from 'node:net';

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * `start(port)` on a free port; if it throws (a start that fails cleans up after itself), again on
 * a fresh port, up to `tries` times in all; the last failure is thrown.
 */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= tries) throw error;
    }
  }
}
