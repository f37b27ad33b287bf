// Peers that read too slowly, write too fast, or vanish without a FIN, driven from raw TCP
// sockets (test/core/connection/backpressure.test.ts covers the same limits with well-behaved ws clients).
// Memory must stay bounded on the server and every handler must learn how its connection ended.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/index.js';
import { nodeHttpFixture } from '../conformance/node-http.fixture.js';
import { socketClosed } from '../helpers/hostile-client.js';
import { encodeFrame, RawClient } from '../helpers/raw-client.js';
import { delay, until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { expectClosedError, startTarget } from './target.js';

/** Samples `measure` every millisecond; `stop()` returns the largest value seen. */
function peak(measure: () => number): { stop(): number } {
  let max = measure();
  const timer = setInterval(() => (max = Math.max(max, measure())), 1);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, measure());
    },
  };
}

function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then((value) => ({ value }), (error: unknown) => ({ error }));
}

describe('a reader that stops reading', () => {
  it('stalls a send + flush() loop with bounded buffers; the heartbeat then drops the silent peer and flush() rejects 1006', async () => {
    const sendHighWaterMark = 64 * 1024;
    const chunk = 'x'.repeat(16 * 1024);
    let sent = 0;
    let connection!: Connection;
    let loopEnded!: Promise<{ value?: void; error?: unknown }>;
    const { httpUrl, upsocket } = await nodeHttpFixture.start({
      options: { sendHighWaterMark, heartbeat: 300 },
      handler: (opened) => {
        connection = opened;
        loopEnded = settled(
          (async () => {
            for (;;) {
              connection.sendText(chunk);
              sent++;
              await connection.flush();
            }
          })(),
        );
        return loopEnded.then(() => {});
      },
    });
    const client = await RawClient.open(Number(new URL(httpUrl).port), '/rooms/stalled');
    await client.upgraded();
    // From here on the client reads nothing and answers no ping: a tab frozen, a laptop closed.
    client.socket.pause();
    await until(() => connection !== undefined, 5000, 'the handler');
    const serverSocket = connection.request.socket as Socket;
    const buffered = peak(() => connection.bufferedAmount);
    const writable = peak(() => serverSocket.writableLength);

    await until(() => sent > 4, 5000, 'the loop to start');
    await delay(150);
    const stalledAt = sent;
    await delay(100);
    expect(sent).toBe(stalledAt);
    // Whatever the kernel did not take waits in Node's buffer: at most the mark plus one message.
    expect(buffered.stop()).toBeLessThanOrEqual(sendHighWaterMark + chunk.length + 64);
    expect(writable.stop()).toBeLessThanOrEqual(sendHighWaterMark + chunk.length + 64);

    const { error } = await loopEnded;
    expectClosedError(error, 1006);
    expect(connection.state).toBe('closed');
    expect(serverSocket.destroyed).toBe(true);
    expect(upsocket.connections.size).toBe(0);
  });
});

describe('a peer that vanishes without a FIN', () => {
  it('is terminated by the heartbeat: read() rejects with ClosedError 1006, others stay connected', async () => {
    const target = await startTarget({ heartbeat: 100 });
    const healthy = await TestClient.connect(`${target.wsUrl}/rooms/echo-healthy`);
    const vanished = await target.attacker('vanished');
    vanished.socket.pause();
    const started = Date.now();
    const outcome = await target.outcome('vanished');
    expectClosedError(outcome.ended, 1006);
    expect(outcome.closed.code).toBe(1006);
    // One interval to ping, the next to find no pong (a few more on a loaded machine).
    expect(Date.now() - started).toBeLessThan(3000);
    expect((outcome.connection.request.socket as Socket).destroyed).toBe(true);
    // The peer that answers its pings (ws does) was probed just as long and is still there.
    expect(target.upsocket.connections.size).toBe(1);
    healthy.ws.send('alive');
    expect(await healthy.nextText()).toBe('alive');
    // The server sent its pings and then dropped the TCP connection, with no close handshake.
    vanished.socket.resume();
    await socketClosed(vanished.socket);
    expect(vanished.frames.map((frame) => frame.opcode)).not.toContain(8);
    expect(vanished.frames.map((frame) => frame.opcode)).toContain(9);
    await target.assertStillServing();
  });
});

describe('a peer that floods', () => {
  it('with tiny messages while the handler does not read (64 B of overhead each): the socket is paused and bytesRead bounded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let connection!: Connection;
    let received = 0;
    let outOfOrder = 0;
    const { httpUrl } = await nodeHttpFixture.start({
      options: { receiveHighWaterMark: 64 * 1024, heartbeat: false },
      handler: async (opened) => {
        connection = opened;
        await gate;
        for await (const message of connection) {
          if (message.data.readUInt32BE(0) === received) received++;
          else outOfOrder++;
        }
      },
    });
    const client = await RawClient.open(Number(new URL(httpUrl).port), '/rooms/flood');
    await client.upgraded();
    await until(() => connection !== undefined, 5000, 'the handler');
    const serverSocket = connection.request.socket as Socket;

    // Write 4-byte messages (numbered) as fast as the socket takes them, until 2 MiB more than the
    // kernel holds wait in our own buffer.
    let count = 0;
    while (client.socket.writableLength < 2 * 1024 * 1024) {
      const frames = Buffer.alloc(10 * 4096);
      for (let offset = 0; offset < frames.length; offset += 10) {
        // Binary, FIN; masked with an all-zero key; a 4-byte payload.
        frames[offset] = 0x82;
        frames[offset + 1] = 0x84;
        frames.writeUInt32BE(count++, offset + 6);
      }
      if (!client.socket.write(frames)) await delay(1);
    }
    await until(() => serverSocket.isPaused(), 5000, 'the server socket to pause');
    const readWhenPaused = serverSocket.bytesRead;
    await delay(200);
    // Bounded by the receive mark (64 KiB of queue at 64 B of overhead per message) plus the TCP
    // chunk being parsed when the mark was hit; the rest of the 8 MiB waits at the client.
    expect(serverSocket.bytesRead).toBe(readWhenPaused);
    expect(serverSocket.bytesRead).toBeLessThan(512 * 1024);

    release();
    await until(() => received === count, 30_000, 'every message');
    expect(outOfOrder).toBe(0);
    expect(serverSocket.isPaused()).toBe(false);
  });

  it('with pings it does not read the pongs of: ws drops it after 60 unsent pongs; the send buffer stays small', async () => {
    const target = await startTarget();
    const flooder = await target.attacker('ping-flood');
    flooder.socket.pause();
    const serverSocket = (await target.connection('ping-flood')).request.socket as Socket;
    const writable = peak(() => serverSocket.writableLength);
    const ping = encodeFrame(9, Buffer.alloc(125, 0x70));
    for (let i = 0; i < 200 && !flooder.socket.destroyed; i++) {
      flooder.send(Buffer.concat(Array.from({ length: 500 }, () => ping)));
      await delay(1);
    }
    const outcome = await target.outcome('ping-flood');
    expectClosedError(outcome.ended, 1006);
    expect(writable.stop()).toBeLessThan(64 * 1024);
    expect(serverSocket.destroyed).toBe(true);
    await target.assertStillServing();
  });

  it('answers every ping of a client that pings hard but reads its pongs', async () => {
    const target = await startTarget();
    const client = await target.attacker('echo-pinger');
    for (let burst = 0; burst < 40; burst++) {
      const payloads = Array.from({ length: 50 }, (_, i) => Buffer.from(`${burst}:${i}`));
      client.send(Buffer.concat(payloads.map((payload) => encodeFrame(9, payload))));
      await until(() => client.frames.length === (burst + 1) * 50, 5000, `the pongs of burst ${burst}`);
    }
    expect(client.frames.every((frame) => frame.opcode === 10)).toBe(true);
    expect(client.frames[1999]?.payload.toString()).toBe('39:49');
    client.send(encodeFrame(1, Buffer.from('still here')));
    await until(() => client.frames.length === 2001, 5000, 'the echo');
    expect(client.frames[2000]?.payload.toString()).toBe('still here');
  });
});
