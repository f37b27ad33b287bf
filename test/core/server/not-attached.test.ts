// open() on a server attach() was never called for. Node then delivers the upgrade as a plain
// 'request', and an error thrown out of a bare node:http listener ends the process: so the server
// runs in a process of its own, and the test checks it is still alive.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { handshakeRequest, sendRaw } from '../../helpers/hostile-client.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { until } from '../../helpers/server.js';
import { expectRefusal } from '../../helpers/ws-client.js';

async function startUnattachedServer(): Promise<{ port: number; output: () => string; alive: () => boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/unattached-server.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill();
    await once(child, 'exit');
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await until(() => stdout.includes('\n') || child.exitCode !== null, 20_000, 'the child server to listen');
  const port = Number(stdout.trim());
  if (!(port > 0)) throw new Error(`the child server did not start: ${stderr}`);
  return { port, output: () => stderr, alive: () => child.exitCode === null && child.signalCode === null };
}

describe('open() without attach() on a bare node:http server', () => {
  it('answers a complete 500 and closes the socket, reports UPSOCKET_NOT_ATTACHED on stderr, and the process lives on', async () => {
    const server = await startUnattachedServer();

    const refused = await expectRefusal(`ws://127.0.0.1:${server.port}/chat`);
    expect(refused.status).toBe(500);
    expect(refused.body).toBe('Internal Server Error\n');

    // sendRaw reads until the server closes the connection: it fails if the socket is left open.
    const raw = await sendRaw(server.port, handshakeRequest(server.port, '/chat'));
    expect(raw.status).toBe(500);
    expect(raw.head).toMatch(/\r\nContent-Type: text\/plain; charset=utf-8\r\n/i);
    expect(raw.head).toMatch(new RegExp(`\r\nContent-Length: ${Buffer.byteLength(raw.body)}\r\n`, 'i'));
    expect(raw.head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(raw.body).toBe('Internal Server Error\n');

    const response = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(await response.text()).toBe('plain HTTP still served');
    await until(() => server.output().includes('call attach(server) once'), 5000, 'the error on stderr');
    expect(server.output()).toContain("code: 'UPSOCKET_NOT_ATTACHED'");
    expect(server.output()).toContain('upsocket: routing the WebSocket upgrade GET /chat failed:');
    expect(server.output()).toContain('upsocket: refused GET /chat from 127.0.0.1: 500 Internal Server Error');
    expect(server.alive()).toBe(true);
  });
});
