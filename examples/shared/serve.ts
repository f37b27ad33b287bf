import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { Topics, UpsocketServer } from 'upsocket';

/** What each example's `createChatServer()` returns: a server not yet listening. */
export interface ChatServer {
  server: Server;
  upsocket: UpsocketServer;
  /** The chat rooms' topics (in memory, or through Redis when REDIS_URL is set). */
  topics: Topics;
}

function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}

/**
 * When the module at `moduleUrl` is the program being run (`tsx examples/…/server.ts`), starts
 * its chat server on `PORT` (default 3000) and shuts it down gracefully on SIGINT/SIGTERM: first
 * `upsocket.close()`, which sends every browser a 1012 (service restart) close frame, spread over up to 3 s, and waits for the handlers to
 * finish, then `topics.close()` (which lets go of Redis, if used), then `server.close()`, which
 * stops accepting HTTP requests. Imported from a test, it
 * does nothing, so the test can listen on port 0 itself.
 */
export function serveWhenRunDirectly(moduleUrl: string, createChatServer: () => ChatServer): void {
  if (!isEntryPoint(moduleUrl)) return;
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, got ${process.env.PORT}`);
    process.exitCode = 1;
    return;
  }

  const { server, upsocket, topics } = createChatServer();
  server.on('error', (error) => {
    console.error(`Chat demo could not listen on port ${port}:`, error.message);
    process.exitCode = 1;
  });
  server.listen(port, () => console.log(`Chat demo: http://localhost:${port}`));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: closing WebSocket connections…`);
    upsocket
      .close({ timeout: 5000 })
      .then(() => topics.close())
      .then(() => server.close(() => console.log('Chat demo stopped')))
      .catch((error: unknown) => {
        console.error('Shutdown failed:', error);
        process.exit(1);
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
