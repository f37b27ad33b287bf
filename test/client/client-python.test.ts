import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { ClosedError, connect } from '../../src/index.js';
import { connectClient, handshakeFailure } from '../helpers/client.js';
import { describeNeeding, pathOf, pythonWebsockets } from '../helpers/external-programs.js';
import { until } from '../helpers/server.js';

// upsocket's client against an independent server implementation: Python's `websockets`
// (python3-websockets, which .ci/run installs).
const script = join(import.meta.dirname, '..', 'fixtures', 'python-websockets-server.py');

let child: ChildProcess | undefined;
let started: Promise<string> | undefined;
const closedLines: string[] = [];

/** Starts the Python server once, on a free port, for the first test; resolves with its ws:// URL. */
function pythonServer(): Promise<string> {
  return (started ??= new Promise<string>((resolve, reject) => {
    const python = spawn(pathOf(pythonWebsockets), ['-u', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = python;
    python.once('error', reject);
    python.once('exit', (code) => reject(new Error(`the Python server exited with ${code} before listening`)));
    createInterface({ input: python.stdout! }).on('line', (line) => {
      if (line.startsWith('listening ')) resolve(`ws://127.0.0.1:${line.slice('listening '.length)}`);
      if (line.startsWith('closed ')) closedLines.push(line);
    });
  }));
}

afterAll(async () => {
  if (child === undefined || child.exitCode !== null) return;
  child.kill();
  await once(child, 'exit');
});

/** Waits for the Python server to report how the connection on `path` closed. */
async function pythonSawClose(path: string): Promise<string> {
  await until(() => closedLines.some((line) => line.startsWith(`closed ${path} `)), 5000, `python to report ${path}`);
  const index = closedLines.findIndex((line) => line.startsWith(`closed ${path} `));
  return closedLines.splice(index, 1)[0]!.slice(`closed ${path} `.length);
}

describeNeeding('connect() against a Python websockets server', { needs: [pythonWebsockets] }, () => {
  it('echoes text and binary, with their types', async () => {
    const client = await connectClient(`${await pythonServer()}/echo`);
    client.sendText('héllo');
    client.sendBinary(new Uint8Array([0, 1, 255]));
    const text = await client.read();
    expect([text?.type, text?.text()]).toEqual(['text', 'héllo']);
    const binary = await client.read();
    expect(binary?.type).toBe('binary');
    expect([...(binary?.data ?? [])]).toEqual([0, 1, 255]);
    await client.close(4000, 'done here');
    expect(await pythonSawClose('/echo')).toBe('4000 done here');
  });

  it("read() rejects with the server's close code and reason", async () => {
    const client = await connectClient(`${await pythonServer()}/close/4001`);
    const error = await client.read().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClosedError);
    expect(error).toMatchObject({ closeCode: 4001, reason: 'bye from python' });
    await pythonSawClose('/close/4001');
  });

  it('reads the last message, then null, after a clean close by the server', async () => {
    const client = await connectClient(`${await pythonServer()}/goodbye`);
    expect((await client.read())?.text()).toBe('goodbye');
    expect(await client.read()).toBeNull();
    expect(await client.closed).toEqual({ code: 1000, reason: '' });
  });

  it("closes with 1009 when a message exceeds the server's max_size", async () => {
    const client = await connectClient(`${await pythonServer()}/echo`);
    client.sendText('x'.repeat(1024));
    expect((await client.read())?.text().length).toBe(1024);
    client.sendText('x'.repeat(1025));
    expect(await client.read().catch((error: unknown) => error)).toMatchObject({ closeCode: 1009 });
    // Python fails the connection without waiting for our answer to its 1009, so it reports 1006.
    expect(await pythonSawClose('/echo')).toMatch(/^100[69] /);
  });

  it('negotiates a subprotocol and compression', async () => {
    const client = await connectClient(`${await pythonServer()}/echo`, { protocols: ['chat.v1'], compression: true });
    expect(client.protocol).toBe('chat.v1');
    expect(client.request.headers['sec-websocket-extensions']).toContain('permessage-deflate');
    client.sendText('squeeze '.repeat(100).slice(0, 800));
    expect((await client.read())?.text()).toBe('squeeze '.repeat(100).slice(0, 800));
    await client.ping('still there?');
    await client.close();
    expect(await pythonSawClose('/echo')).toBe('1000 ');
  });

  it('rejects with HandshakeError 401 and the body when the server refuses', async () => {
    const error = await handshakeFailure(connect(`${await pythonServer()}/deny`));
    expect(error).toMatchObject({ code: 'UPSOCKET_HANDSHAKE_FAILED', status: 401, body: 'denied by python\n' });
  });

  it('runs a handler with connect(url, handler)', async () => {
    const replies: string[] = [];
    const info = await connect(`${await pythonServer()}/echo`, async (connection) => {
      connection.sendText('one');
      connection.sendText('two');
      for (let i = 0; i < 2; i++) replies.push((await connection.read())?.text() ?? 'END');
    });
    expect(replies).toEqual(['one', 'two']);
    expect(info).toEqual({ code: 1000, reason: '' });
    expect(await pythonSawClose('/echo')).toBe('1000 ');
  });
});
