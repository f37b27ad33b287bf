// What the conformance suite's "independent clients" (ws, undici, faye-websocket, WebSocket-Node:
// text, binary, a large message and close codes with every adapter) cannot do from Node: a message
// sent in fragments, and a client from outside Node, Python's websockets, which also fragments and
// pings.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeNeeding, pathOf, pythonWebsockets } from '../helpers/external-programs.js';
import { TestClient } from '../helpers/ws-client.js';
import { expectClosedError, startTarget } from './target.js';

const run = promisify(execFile);
const large = 'L'.repeat(200 * 1024);

// ws's client lets the test choose where a message is split into frames.
it("reassembles a message ws's client sends in three fragments", async () => {
  const target = await startTarget();
  const client = await TestClient.connect(`${target.wsUrl}/rooms/echo-ws`);
  client.ws.send('frag', { fin: false });
  client.ws.send('men', { fin: false });
  client.ws.send('ted', { fin: true });
  expect(await client.nextText()).toBe('fragmented');
  client.ws.close(4000, 'ws done');
  expect((await client.closed).code).toBe(4000);
  const outcome = await target.outcome('echo-ws');
  expect(outcome.messages.map((message) => message.text())).toEqual(['fragmented']);
  expect(outcome.closed).toEqual({ code: 4000, reason: 'ws done' });
  expectClosedError(outcome.ended, 4000);
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

describeNeeding("Python's websockets", { needs: [pythonWebsockets] }, () => {
  it('echoes text, binary, a fragmented and a large message, answers its ping and sees its close code', async () => {
    const target = await startTarget();
    const { stdout } = await run(pathOf(pythonWebsockets), ['-c', pythonClient, `${target.wsUrl}/rooms/echo-python`], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({
      text: 'hello from python',
      binary: [0, 1, 255],
      fragmented: 'fragmented',
      large: large.length,
      pong: true,
      close_code: 4000,
    });
    const outcome = await target.outcome('echo-python');
    expect(outcome.messages.map((message) => (message.type === 'text' ? message.text() : [...message.data]))).toEqual([
      'hello from python',
      [0, 1, 255],
      'fragmented',
      large,
    ]);
    expect(outcome.closed).toEqual({ code: 4000, reason: 'python done' });
    // 4000 is an application code, not a clean close: read() rejects with it.
    expectClosedError(outcome.ended, 4000);
  });
});
