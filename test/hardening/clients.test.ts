// The same exchange driven by independent client implementations: ws, undici's WebSocket (the
// one in Node's fetch stack), and Python's websockets. Each sends text, binary, a fragmented or
// large message, and closes with an application code the handler must see.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WebSocket as UndiciWebSocket } from 'undici';
import { onCleanup } from '../helpers/cleanup.js';
import { TestClient } from '../helpers/ws-client.js';
import { describeExternal, PYTHON, requireExecutable } from './external-clients.js';
import { expectClosedError, startTarget, type Outcome } from './target.js';

const run = promisify(execFile);
const large = 'L'.repeat(200 * 1024);

/** What every client must have made the handler see. */
function expectServerSaw(outcome: Outcome, texts: string[], binary: number[], closeReason: string): void {
  expect(outcome.messages.filter((message) => message.type === 'text').map((message) => message.text())).toEqual(texts);
  expect(outcome.messages.filter((message) => message.type === 'binary').map((message) => [...message.data])).toEqual([binary]);
  expect(outcome.closed).toEqual({ code: 4000, reason: closeReason });
  // 4000 is an application code, not a clean close: read() rejects with it.
  expectClosedError(outcome.ended, 4000);
}

describe('independent clients', () => {
  it("ws's client", async () => {
    const target = await startTarget();
    const client = await TestClient.connect(`${target.wsUrl}/rooms/echo-ws`);
    client.ws.send('hello from ws');
    expect(await client.nextText()).toBe('hello from ws');
    client.ws.send(new Uint8Array([0, 1, 255]));
    expect([...(await client.next()).data]).toEqual([0, 1, 255]);
    // A message in three fragments.
    client.ws.send('frag', { fin: false });
    client.ws.send('men', { fin: false });
    client.ws.send('ted', { fin: true });
    expect(await client.nextText()).toBe('fragmented');
    client.ws.send(large);
    expect((await client.nextText()).length).toBe(large.length);
    client.ws.close(4000, 'ws done');
    expect((await client.closed).code).toBe(4000);
    expectServerSaw(await target.outcome('echo-ws'), ['hello from ws', 'fragmented', large], [0, 1, 255], 'ws done');
  });

  it("undici's WebSocket", async () => {
    const target = await startTarget();
    const client = new UndiciWebSocket(`${target.wsUrl}/rooms/echo-undici`);
    onCleanup(() => client.close());
    client.binaryType = 'arraybuffer';
    const received: (string | number[])[] = [];
    client.addEventListener('message', (event) => {
      received.push(typeof event.data === 'string' ? event.data : [...new Uint8Array(event.data as ArrayBuffer)]);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })),
    );
    await new Promise<void>((resolve, reject) => {
      client.addEventListener('open', () => resolve());
      client.addEventListener('error', () => reject(new Error('undici client error')));
    });
    client.send('hello from undici');
    client.send(new Uint8Array([0, 1, 255]));
    client.send(large);
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(3);
    expect(received[0]).toBe('hello from undici');
    expect(received[1]).toEqual([0, 1, 255]);
    expect((received[2] as string).length).toBe(large.length);
    client.close(4000, 'undici done');
    expect(await closed).toEqual({ code: 4000, reason: 'undici done' });
    expectServerSaw(await target.outcome('echo-undici'), ['hello from undici', large], [0, 1, 255], 'undici done');
  });
});

// Python's websockets (Debian: python3-websockets) as an independent implementation: it
// fragments a message sent as a list, and awaits the pong of its own ping.
const pythonClient = `
import asyncio, json, sys
import websockets

async def main(uri):
    results = {}
    async with websockets.connect(uri, max_size=None) as ws:
        await ws.send("hello from python")
        results["text"] = await ws.recv()
        await ws.send(bytes([0, 1, 255]))
        results["binary"] = list(await ws.recv())
        await ws.send(["frag", "men", "ted"])
        results["fragmented"] = await ws.recv()
        await ws.send("L" * (200 * 1024))
        results["large"] = len(await ws.recv())
        pong = await ws.ping(b"python ping")
        await asyncio.wait_for(pong, 5)
        results["pong"] = True
        await ws.close(code=4000, reason="python done")
        results["close_code"] = ws.close_code
    print(json.dumps(results))

asyncio.run(main(sys.argv[1]))
`;

describeExternal("Python's websockets", () => {
  it('echoes text, binary, a fragmented and a large message, answers its ping and sees its close code', async () => {
    requireExecutable(PYTHON, 'python3-websockets');
    const target = await startTarget();
    const { stdout } = await run(PYTHON, ['-c', pythonClient, `${target.wsUrl}/rooms/echo-python`], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({
      text: 'hello from python',
      binary: [0, 1, 255],
      fragmented: 'fragmented',
      large: large.length,
      pong: true,
      close_code: 4000,
    });
    expectServerSaw(await target.outcome('echo-python'), ['hello from python', 'fragmented', large], [0, 1, 255], 'python done');
  });
});
