// The rate limit is visible: its holds on upsocket:pause/resume (reason 'rateLimit'), in stats(),
// as OpenTelemetry metrics and on NODE_DEBUG; its closes (policy 'close') carry a reason of their
// own, so they can be told from other 1008s.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ClosedError, stats, type Connection, type RateLimit } from '../../src/index.js';
import { deferred } from '../helpers/deferred.js';
import { readAll } from '../helpers/handlers.js';
import { until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { points, startMetrics } from './metrics.js';
import { on, recordChannels, startServer } from './recorder.js';

const run = promisify(execFile);

/** 5 messages now, then one every 20 ms: 20 messages sent at once are held for about 300 ms. */
const holding: RateLimit = { messages: 5, interval: 100 };
const closing: RateLimit = { messages: 5, interval: 60_000, policy: 'close' };

/**
 * A server that reads with `rateLimit`: `outcome` is what its handler read and how it ended, after
 * `count` messages (then, once `beforeClose()` resolved, it closes 1000) or the end of the stream.
 */
async function limited(rateLimit: RateLimit, count = Infinity, beforeClose: () => Promise<unknown> = async () => {}) {
  const outcome = deferred<Awaited<ReturnType<typeof readAll>>>();
  const handler = async (connection: Connection) => {
    const messages: string[] = [];
    try {
      for await (const message of connection) if (messages.push(message.text()) === count) break;
      await beforeClose();
      outcome.resolve({ messages, end: null });
    } catch (error) {
      outcome.resolve({ messages, end: error });
    }
  };
  const { wsUrl, upsocket } = await startServer(handler, { rateLimit, heartbeat: false });
  const client = await TestClient.connect(`${wsUrl}/limited`);
  return { client, outcome: outcome.promise, upsocket };
}

function sendMany(client: TestClient, count: number): void {
  for (let i = 0; i < count; i++) client.ws.send(`m${i}`);
}

describe('rate limit holds', () => {
  it("publish upsocket:pause and upsocket:resume with reason 'rateLimit', a resume for every pause", async () => {
    const published = recordChannels();
    const { client, outcome } = await limited(holding, 20);
    sendMany(client, 20);
    await until(() => on(published, 'upsocket:pause').length === 1, 5000, 'upsocket:pause');
    const [opened] = on(published, 'upsocket:open');
    const rateLimited = { connection: opened?.connection, direction: 'receive', reason: 'rateLimit' };
    expect(on(published, 'upsocket:pause')).toEqual([rateLimited]);
    expect(on(published, 'upsocket:resume')).toEqual([]);
    expect((await outcome).messages).toHaveLength(20);
    await client.closed;
    // The 20 may come in more than one socket read, each held in turn: one pause and one resume each.
    const pauses = on(published, 'upsocket:pause');
    expect(pauses.length).toBeGreaterThanOrEqual(1);
    expect(pauses).toEqual(pauses.map(() => rateLimited));
    expect(on(published, 'upsocket:resume')).toEqual(pauses);
  });

  it('count in stats(): rateLimitPauses, and rateLimitedConnections while held (a gauge), not receivePauses', async () => {
    const before = stats();
    const { client, outcome } = await limited(holding, 20);
    sendMany(client, 20);
    await until(() => stats().rateLimitedConnections === before.rateLimitedConnections + 1, 5000, 'the connection to be held');
    expect(stats().rateLimitPauses - before.rateLimitPauses).toBeGreaterThanOrEqual(1);
    expect((await outcome).messages).toHaveLength(20);
    await client.closed;
    const after = stats();
    expect(after.rateLimitedConnections).toBe(before.rateLimitedConnections);
    expect(after.rateLimitPauses - before.rateLimitPauses).toBeGreaterThanOrEqual(1);
    expect(after.receivePauses - before.receivePauses).toBe(0);
  });

  it('a close while held releases the gauge', async () => {
    const before = stats();
    // The handler closes after the burst of 5, once the other 15 are held (for a minute).
    const held = () => until(() => stats().rateLimitedConnections === before.rateLimitedConnections + 1, 5000, 'the connection to be held');
    const { client, outcome } = await limited({ messages: 5, interval: 60_000 }, 5, held);
    sendMany(client, 20);
    expect((await outcome).messages).toHaveLength(5);
    expect((await client.closed).code).toBe(1000);
    await until(() => stats().rateLimitedConnections === before.rateLimitedConnections, 5000, 'the gauge to go back');
    expect(stats().rateLimitPauses - before.rateLimitPauses).toBe(1);
  });

  it('print a NODE_DEBUG line when the hold starts and when it ends', async () => {
    const env = { ...process.env, NODE_DEBUG: 'upsocket', RATE_LIMIT_POLICY: 'pause' };
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/debug-rate-limit-server.ts'], { env, timeout: 20_000 });
    const lines = stderr.split('\n').filter((line) => line.includes(': rate limit '));
    // One pair per hold (the 20 messages may come in more than one socket read).
    expect(lines.length).toBeGreaterThanOrEqual(2);
    lines.forEach((line, i) =>
      expect(line).toMatch(
        i % 2 === 0
          ? /^UPSOCKET \d+: rate limit GET \/limited from 127\.0\.0\.1: over rateLimit, messages held and reading paused$/
          : /^UPSOCKET \d+: rate limit GET \/limited from 127\.0\.0\.1: reading again$/,
      ),
    );
    expect(lines.length % 2).toBe(0);
  });
});

describe("rate limit closes (policy 'close')", () => {
  it("carry the reason 'Rate limit exceeded' on both sides, in upsocket:close and ClosedError, and count in stats()", async () => {
    const before = stats();
    const published = recordChannels();
    const { client, outcome } = await limited(closing);
    sendMany(client, 20);
    expect(await client.closed).toEqual({ code: 1008, reason: 'Rate limit exceeded' });
    const { messages, end } = await outcome;
    expect(messages).toHaveLength(5);
    expect(end).toBeInstanceOf(ClosedError);
    expect(end).toMatchObject({ code: 'UPSOCKET_CLOSED', closeCode: 1008, reason: 'Rate limit exceeded' });
    await until(() => on(published, 'upsocket:close').length === 1, 5000, 'upsocket:close');
    expect(on(published, 'upsocket:close')[0]).toMatchObject({ code: 1008, reason: 'Rate limit exceeded' });
    const after = stats();
    expect(after.rateLimitCloses - before.rateLimitCloses).toBe(1);
    expect(after.rateLimitPauses - before.rateLimitPauses).toBe(0);
  });

  it('another 1008 (the app closing with it) is not counted as a rate-limit close', async () => {
    const before = stats();
    const { wsUrl } = await startServer((connection) => connection.close(1008, 'not allowed here'));
    const client = await TestClient.connect(`${wsUrl}/other`);
    expect(await client.closed).toEqual({ code: 1008, reason: 'not allowed here' });
    await until(() => stats().closed > before.closed, 5000, 'the close to be counted');
    expect(stats().rateLimitCloses - before.rateLimitCloses).toBe(0);
  });

  it('print the close with its reason on NODE_DEBUG', async () => {
    const env = { ...process.env, NODE_DEBUG: 'upsocket', RATE_LIMIT_POLICY: 'close' };
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/debug-rate-limit-server.ts'], { env, timeout: 20_000 });
    expect(stderr).toMatch(/UPSOCKET \d+: close GET \/limited from 127\.0\.0\.1: 1008 Rate limit exceeded\n/);
  });
});

describe('rate limit metrics (upsocket/otel)', () => {
  /** The values of metric `name`'s points, as recorded so far. */
  function startValues() {
    const { collect } = startMetrics();
    return async (name: string): Promise<unknown[]> => points((await collect()).get(name)).map((point) => point.value);
  }

  it('upsocket.connections.rate_limited while held, upsocket.rate_limit.pauses and upsocket.rate_limit.closes; upsocket.pauses stays for backpressure', async () => {
    const values = startValues();
    const held = await limited({ messages: 5, interval: 60_000 });
    sendMany(held.client, 20);
    for (let i = 0; i < 200 && (await values('upsocket.connections.rate_limited'))[0] !== 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await values('upsocket.connections.rate_limited')).toEqual([1]);
    expect(await values('upsocket.rate_limit.pauses')).toEqual([1]);
    expect(await values('upsocket.pauses')).toEqual([]);
    // Shutdown closes the connection: the hold ends with it.
    await held.upsocket.close({ timeout: 500 });
    await held.outcome;
    for (let i = 0; i < 200 && (await values('upsocket.connections.rate_limited'))[0] !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await values('upsocket.connections.rate_limited')).toEqual([0]);

    const closed = await limited(closing);
    sendMany(closed.client, 20);
    await closed.client.closed;
    for (let i = 0; i < 200 && (await values('upsocket.rate_limit.closes')).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await values('upsocket.rate_limit.closes')).toEqual([1]);
  });
});
