import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/index.js';
import { nodeHttpFixture } from '../../conformance/node-http.fixture.js';
import { delay, until } from '../../helpers/server.js';
import { TestClient } from '../../helpers/ws-client.js';

const chunk = 'x'.repeat(16 * 1024);

describe('send backpressure: flush()', () => {
  it('stops a sendText + await flush() loop against a client that never reads', async () => {
    const sendHighWaterMark = 64 * 1024;
    let sent = 0;
    let maxBuffered = 0;
    const { wsUrl } = await nodeHttpFixture.start({
      options: { sendHighWaterMark },
      handler: async (connection) => {
        for (;;) {
          connection.sendText(chunk);
          sent++;
          maxBuffered = Math.max(maxBuffered, connection.bufferedAmount);
          await connection.flush();
        }
      },
    });
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    client.ws.pause();
    // Fill the kernel's buffers, then watch the loop stand still.
    await until(() => sent > 10, 5000, 'the loop to start');
    await delay(500);
    const stalledAt = sent;
    await delay(500);
    expect(sent).toBe(stalledAt);
    expect(maxBuffered).toBeLessThanOrEqual(sendHighWaterMark + chunk.length + 64);

    // The client reads again: the loop goes on and nothing was lost.
    client.ws.resume();
    for (let i = 0; i < stalledAt + 5; i++) expect((await client.nextText()).length).toBe(chunk.length);
    expect(sent).toBeGreaterThan(stalledAt);
  });

  it('sends writes made without flush() at the end of the tick', async () => {
    const { wsUrl } = await nodeHttpFixture.start({
      handler: async (connection) => {
        connection.sendText('no flush needed');
        await new Promise<void>((resolve) => connection.signal.addEventListener('abort', () => resolve()));
      },
    });
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    expect(await client.nextText()).toBe('no flush needed');
  });
});

describe('receive backpressure: the bounded queue', () => {
  it('pauses the socket while a slow handler reads, and loses nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let server!: Connection;
    const received: number[] = [];
    const { wsUrl } = await nodeHttpFixture.start({
      options: { receiveHighWaterMark: 64 * 1024 },
      handler: async (connection) => {
        server = connection;
        await gate;
        for await (const message of connection) received.push(message.data.readUInt32BE(0));
      },
    });
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    const count = 1024;
    const message = Buffer.alloc(16 * 1024);
    for (let i = 0; i < count; i++) {
      message.writeUInt32BE(i, 0);
      client.ws.send(message);
    }
    // 16 MiB offered; the server stops reading its socket after a bounded amount.
    await until(() => server !== undefined, 5000, 'the handler');
    const socket = server.request.socket as Socket;
    await until(() => socket.isPaused(), 5000, 'the server socket to pause');
    await delay(300);
    expect(socket.bytesRead).toBeLessThan(1024 * 1024);
    expect(client.ws.bufferedAmount).toBeGreaterThan(8 * 1024 * 1024);

    release();
    await until(() => received.length === count, 10_000, 'every message');
    expect(received).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('keeps answering the heartbeat peer while paused by a slow handler', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { wsUrl } = await nodeHttpFixture.start({
      options: { receiveHighWaterMark: 16 * 1024, heartbeat: 50 },
      handler: async (connection) => {
        await gate;
        for await (const message of connection) connection.sendText(`got ${message.data.length}`);
      },
    });
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    for (let i = 0; i < 200; i++) client.ws.send(Buffer.alloc(4096));
    // Several heartbeat intervals pass while our side does not read the pongs.
    await delay(400);
    release();
    expect(await client.nextText()).toBe('got 4096');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});
