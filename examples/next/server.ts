// The chat demo on Next.js, through a custom server: `npm run example:next:dev` (next dev, hot
// reload included) or `npm run example:next:start` (next build, then production), then open
// http://localhost:3000 in two browser tabs. The WebSocket routes are ordinary Next route code:
// app/chat/route.ts (App Router) and pages/api/echo.ts (Pages API).
import next from 'next';
import { createNextServer } from 'upsocket/next';

const dev = process.env.NODE_ENV !== 'production';
const port = Number(process.env.PORT ?? 3000);

const { server, app, upsocket } = await createNextServer(next, { dev, dir: import.meta.dirname });
server.listen(port, () => console.log(`Chat demo on Next.js${dev ? ' (dev)' : ''}: http://localhost:${port}`));

// Graceful shutdown: every browser gets a 1012 (service restart) close frame, then HTTP stops, then Next.
let stopping = false;
function shutdown(signal: NodeJS.Signals): void {
  if (stopping) process.exit(1);
  stopping = true;
  console.log(`${signal}: closing WebSocket connections…`);
  upsocket
    .close({ timeout: 5000 })
    .then(() => new Promise((resolve) => server.close(resolve)))
    .then(() => app.close())
    // Next's dev server leaves its file watchers open after close().
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error('Shutdown failed:', error);
      process.exit(1);
    });
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
