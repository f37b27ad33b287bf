// Inbound rate limits by backpressure: over budget the socket stops being read until the token
// buckets refill (the flooder's own TCP window fills, nothing is lost), or policy 'close' fails
// the connection with 1008.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach, ClosedError, type Connection, type OpenOptions } from '../../../src/index.js';
import { nodeHttpFixture } from '../../conformance/node-http.fixture.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { deferred } from '../../helpers/deferred.js';
import { readAll } from '../../helpers/handlers.js';
import { delay } from '../../helpers/server.js';
import { TestClient } from '../../helpers/ws-client.js';

/** What one socket read can hold: messages parsed from it still arrive after the pause. */
const oneRead = 64 * 1024;

interface Delivery {
  texts: string[];
  elapsedMs: number;
  end: unknown;
}

/** Starts a server whose handler reads everything, a little slowly, and floods it with `count` messages of `size` bytes. */
async function flood(options: OpenOptions, count: number, size: number): Promise<{ delivery: Delivery; client: TestClient }> {
  const done = deferred<Delivery>();
  const { wsUrl } = await nodeHttpFixture.start({
    options: { receiveHighWaterMark: 4096, ...options },
    handler: async (connection: Connection) => {
      const texts: string[] = [];
      let started = 0;
      let end: unknown = null;
      try {
        for await (const message of connection) {
          if (texts.length === 0) started = performance.now();
          texts.push(message.text());
          // A slow stretch now and then, so the queue's high-water mark pauses reading too.
          if (texts.length % 100 === 0) await delay(5);
          if (texts.length === count) break;
        }
      } catch (error) {
        end = error;
      }
      done.resolve({ texts, elapsedMs: performance.now() - started, end });
    },
  });
  const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
  for (let i = 0; i < count; i++) client.ws.send(`${String(i).padStart(6, '0')}${'x'.repeat(size - 6)}`);
  return { delivery: await done.promise, client };
}

const expected = (count: number, size: number) => Array.from({ length: count }, (_, i) => `${String(i).padStart(6, '0')}${'x'.repeat(size - 6)}`);

describe('rateLimit, policy pause (default)', () => {
  it('delivers everything a flooder sends, in order, at no more than the message rate', async () => {
    const count = 1500;
    const size = 200;
    const rateLimit = { messages: 100, interval: 100 };
    const { delivery } = await flood({ rateLimit }, count, size);
    expect(delivery.end).toBe(null);
    expect(delivery.texts).toEqual(expected(count, size));
    // Unlimited, 1500 small messages arrive in a few ms. Limited to 1000/s with a burst of 100,
    // the rest waits its turn, less what one socket read already held when the pause began.
    const perMs = rateLimit.messages / rateLimit.interval;
    const minimumMs = (count - rateLimit.messages - oneRead / size) / perMs;
    expect(delivery.elapsedMs).toBeGreaterThanOrEqual(minimumMs);
  });

  it('holds the byte rate too', async () => {
    const count = 60;
    const size = 4096;
    const rateLimit = { bytes: 20_000, interval: 100 };
    const { delivery } = await flood({ rateLimit }, count, size);
    expect(delivery.texts).toEqual(expected(count, size));
    const perMs = rateLimit.bytes / rateLimit.interval;
    expect(delivery.elapsedMs).toBeGreaterThanOrEqual((count * size - rateLimit.bytes - oneRead) / perMs);
  });

  it('the heartbeat does not drop a peer whose pong waits behind reads the limit holds', async () => {
    const count = 150;
    // About a second of pause; the heartbeat would drop an unanswering peer after 200 ms.
    const { delivery, client } = await flood({ rateLimit: { messages: 50, interval: 500 }, heartbeat: 100 }, count, 20);
    expect(delivery.end).toBe(null);
    expect(delivery.texts).toHaveLength(count);
    client.ws.send('still open');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});

describe('rateLimit: the burst', () => {
  /** Starts a server whose handler reads as fast as it can, `count` messages or to the end. */
  async function timedReader(options: OpenOptions, count: number) {
    const done = deferred<{ texts: string[]; end: unknown }>();
    const { wsUrl } = await nodeHttpFixture.start({
      options,
      handler: async (connection: Connection) => {
        const texts: string[] = [];
        let end: unknown = null;
        try {
          for await (const message of connection) {
            texts.push(message.text());
            if (texts.length === count) break;
          }
        } catch (error) {
          end = error;
        }
        done.resolve({ texts, end });
      },
    });
    return { wsUrl, done: done.promise };
  }

  /**
   * When each received message was handed to its connection (`upsocket:message`, published as the
   * connection takes it): the handler cannot see a message before, and the times do not depend on
   * how fast its loop runs.
   */
  function handedOver(): number[] {
    const at: number[] = [];
    const listener = (message: unknown) => {
      if ((message as { direction: string }).direction === 'receive') at.push(performance.now());
    };
    subscribe('upsocket:message', listener);
    onCleanup(() => unsubscribe('upsocket:message', listener));
    return at;
  }

  /** The most messages handed over within any `window` ms. */
  function mostWithin(at: number[], window: number): number {
    let most = 0;
    for (let first = 0, last = 0; first < at.length; first++) {
      while (last < at.length && at[last]! - at[first]! < window) last++;
      most = Math.max(most, last - first);
    }
    return most;
  }

  it('3,000 messages written in one tick: the handler never gets more than the burst (+ the refill) at once, and all arrive in order', async () => {
    const count = 3000;
    const rateLimit = { messages: 100, interval: 50 };
    const { wsUrl, done } = await timedReader({ rateLimit }, count);
    const at = handedOver();
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    for (let i = 0; i < count; i++) client.ws.send(`m${i}`);
    const { texts, end } = await done;
    expect(at).toHaveLength(count);
    expect(end).toBe(null);
    expect(texts).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
    // A token bucket lets through at most the burst plus what refills meanwhile: in 20 ms,
    // 100 + 40. Before the fix the connection got everything one socket read held at once (600+).
    const window = 20;
    const refill = (rateLimit.messages / rateLimit.interval) * window;
    expect(mostWithin(at, window)).toBeLessThanOrEqual(rateLimit.messages + refill);
    // And no faster overall: past the burst, the rate.
    const perMs = rateLimit.messages / rateLimit.interval;
    expect(at[count - 1]! - at[0]!).toBeGreaterThanOrEqual((count - rateLimit.messages) / perMs - 1);
  });

  it('the bytes budget likewise: never more than its burst of payload at once', async () => {
    const count = 200;
    const size = 1000;
    const rateLimit = { bytes: 20_000, interval: 100 };
    const { wsUrl, done } = await timedReader({ rateLimit }, count);
    const at = handedOver();
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    const payload = (i: number) => `${String(i).padStart(6, '0')}${'x'.repeat(size - 6)}`;
    for (let i = 0; i < count; i++) client.ws.send(payload(i));
    const { texts } = await done;
    expect(texts).toEqual(Array.from({ length: count }, (_, i) => payload(i)));
    const window = 20;
    const burst = rateLimit.bytes / size;
    const refill = ((rateLimit.bytes / rateLimit.interval) * window) / size;
    expect(mostWithin(at, window)).toBeLessThanOrEqual(burst + refill);
  });

  it('the peer drops while messages are held: the handler reads what was held, in order, then ClosedError 1006', async () => {
    // 10 messages a ms: the held ones take a few hundred ms to go through, the drop comes first.
    const { wsUrl, done } = await timedReader({ rateLimit: { messages: 200, interval: 20 } }, Infinity);
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    for (let i = 0; i < 3000; i++) client.ws.send(`m${i}`);
    await delay(20);
    client.ws.terminate();
    const { texts, end } = await done;
    // What the server had parsed when it paused reading arrives (more than the burst of 200); what
    // the kernel still held when the TCP connection died may be gone with it.
    expect(texts.length).toBeGreaterThan(200);
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, i) => `m${i}`));
    expect(end).toBeInstanceOf(ClosedError);
    expect((end as ClosedError).closeCode).toBe(1006);
  });

  it('the handler closes while messages are held: the close handshake completes at once, the held messages are dropped', async () => {
    const seen = deferred<{ texts: string[]; after: unknown }>();
    const { wsUrl } = await nodeHttpFixture.start({
      options: { rateLimit: { messages: 10, interval: 60_000 } },
      handler: async (connection: Connection) => {
        const texts: string[] = [];
        for (let i = 0; i < 10; i++) texts.push((await connection.read())!.text());
        // The 11th is held by the limit for a minute: close now.
        await connection.close(4000, 'enough');
        seen.resolve({ texts, after: await connection.read() });
      },
    });
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    for (let i = 0; i < 3000; i++) client.ws.send(`m${i}`);
    const started = performance.now();
    expect(await client.closed).toEqual({ code: 4000, reason: 'enough' });
    expect(performance.now() - started).toBeLessThan(2000);
    const { texts, after } = await seen.promise;
    expect(texts).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(after).toBe(null);
  });
});

describe("rateLimit, policy 'close'", () => {
  it('closes with 1008 once the budget is overdrawn; the handler gets what was within it, then ClosedError 1008', async () => {
    const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
    const { wsUrl } = await nodeHttpFixture.start({
      options: { rateLimit: { messages: 10, interval: 60_000, policy: 'close' } },
      handler: async (connection) => outcome.resolve(await readAll(connection)),
    });
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    for (let i = 0; i < 50; i++) client.ws.send(`m${i}`);
    expect((await client.closed).code).toBe(1008);
    const { messages, end } = await outcome.promise;
    expect(messages).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(end).toBeInstanceOf(ClosedError);
    expect((end as ClosedError).closeCode).toBe(1008);
  });
});

describe('rateLimit options are checked', () => {
  it.each([
    [{ interval: 1000 }, 'rateLimit must limit messages, bytes or both'],
    [{ messages: 10, interval: 0 }, 'rateLimit.interval must be a positive integer (ms), got 0'],
    [{ messages: -1, interval: 10 }, 'rateLimit.messages must be a positive integer, got -1'],
    [{ bytes: 10, interval: 10, policy: 'drop' }, "rateLimit.policy must be 'pause' or 'close', got drop"],
    [{ messages: 10, interval: 10, burst: 5 }, "unknown option 'burst'"],
    ['10/s', 'rateLimit must be an object { messages?, bytes?, interval, policy? }, got string'],
  ])('attach({ rateLimit: %j }) throws UPSOCKET_INVALID_OPTION', (rateLimit, message) => {
    expect(() => attach(http.createServer(), { rateLimit } as never)).toThrow(
      expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining(message) }),
    );
  });
});
