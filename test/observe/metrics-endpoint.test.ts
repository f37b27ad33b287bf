// The /metrics quick starts (examples/quickstart/metrics-*.ts) run as their own processes, as a
// user would run them: a real WebSocket through the app, then a real scrape of the app's own port.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../helpers/ports.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../helpers/cleanup.js';
import { delay } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

const root = join(import.meta.dirname, '../..');

/** Starts the quick start on a free port; resolves with its address once /metrics answers. */
async function startQuickstart(file: string): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples/quickstart', file)], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  onCleanup(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill();
    await exited;
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode} before listening`);
    const answer = await fetch(`${url}/metrics`).catch(() => undefined);
    if (answer?.ok) return url;
    await delay(50);
  }
  throw new Error(`${file} did not answer /metrics within 15 s`);
}

describe('/metrics served by the app itself', () => {
  it.each([
    ['Express', 'metrics-express.ts'],
    ['Koa', 'metrics-koa.ts'],
  ])('%s: the app answers a Prometheus scrape on its own port, with the route of a real WebSocket', async (_framework, file) => {
    const url = await startQuickstart(file);
    const client = await TestClient.connect(`${url.replace('http', 'ws')}/rooms/7`);
    client.ws.send('hello');
    expect(await client.nextText()).toBe('hello');

    const answer = await fetch(`${url}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    const scraped = await answer.text();
    expect(scraped).toMatch(/^upsocket_connections_active\{http_route="\/rooms\/:room"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_connections_opened_total\{http_route="\/rooms\/:room"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_messages_total\{[^}]*upsocket_direction="receive"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_message_bytes_total\{[^}]*upsocket_direction="send"[^}]*\} 5$/m);
  }, 30_000);
});
