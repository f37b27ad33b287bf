// close() as a drain: the close frames spread over a window, in random order, new upgrades refused
// from the first moment, the handlers' timeout counted from the last frame, 1012 by default.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach, open, type Handler } from '../../../src/adapters/node-http/index.js';
import { connect } from '../../../src/client/index.js';
import { defaultSpread } from '../../../src/core/server/drain.js';
import { stats } from '../../../src/observe/stats.js';
import { listen, until } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

async function echo(connection: Parameters<Handler>[0]): Promise<void> {
  for await (const message of connection) connection.sendText(message.text());
}

async function start(handler: Handler = echo) {
  const server = http.createServer((req, res) => {
    if (!open(req, handler)) res.end('plain HTTP');
  });
  return listen(server, attach(server, { heartbeat: false, onRefuse: () => {} }));
}

/** `count` echoing clients, each recording when its close frame arrived (performance.now()). */
async function clientsOf(wsUrl: string, count: number) {
  const clients = await Promise.all(Array.from({ length: count }, () => TestClient.connect(`${wsUrl}/ws`)));
  const arrivals = clients.map((client) => client.closed.then((info) => ({ ...info, at: performance.now() })));
  return { clients, arrivals };
}

describe('UpsocketServer.close({ spread })', () => {
  it('sends the close frames over the window, in random order, refusing upgrades from the first moment while the rest still work', async () => {
    const { upsocket, wsUrl } = await start();
    const { clients, arrivals } = await clientsOf(wsUrl, 30);
    stats();
    const started = performance.now();
    const closing = upsocket.close({ spread: 1500, timeout: 2000 });

    // From the first moment: 503 with Retry-After, while most connections are still open.
    const refused = await expectRefusal(`${wsUrl}/ws`);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toBe('Server is shutting down\n');
    expect(stats().drainingConnections).toBeGreaterThan(0);
    // Connections whose turn has not come still echo (each may get its turn meanwhile: at least one answers).
    const order = clients.map((_, i) => i);
    const stillOpen = clients.filter((client) => client.ws.readyState === client.ws.OPEN);
    for (const client of stillOpen) client.ws.send('still here');
    const echoes = await Promise.all(stillOpen.map((client) => client.nextText(3000).catch(() => null)));
    expect(echoes).toContain('still here');

    const closed = await Promise.all(arrivals);
    await closing;
    expect(closed.map(({ code }) => code)).toEqual(order.map(() => 1012));
    const times = closed.map(({ at }) => at - started);
    const first = Math.min(...times);
    const last = Math.max(...times);
    // Spread over the window (not in one tick), and all of them within it plus a loaded machine's slack.
    expect(last - first).toBeGreaterThan(600);
    expect(last).toBeLessThan(1500 + 2500);
    // Random order: the clients did not close in the order they connected (1 in 30! by chance).
    const arrivalOrder = [...order].sort((a, b) => times[a]! - times[b]!);
    expect(arrivalOrder).not.toEqual(order);
    expect(stats().drainingConnections).toBe(0);
    expect(upsocket.connections.size).toBe(0);
  }, 20_000);

  it('sends every close frame at once with spread: 0', async () => {
    const { upsocket, wsUrl } = await start();
    const { arrivals } = await clientsOf(wsUrl, 30);
    await upsocket.close({ spread: 0 });
    const times = (await Promise.all(arrivals)).map(({ at }) => at);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(400);
  }, 20_000);

  it('counts the timeout for handlers from the end of the spread', async () => {
    let started = 0;
    const { upsocket, wsUrl } = await start(async () => {
      started++;
      await new Promise<never>(() => {});
    });
    await Promise.all([TestClient.connect(`${wsUrl}/ws`), TestClient.connect(`${wsUrl}/ws`)]);
    await until(() => started === 2, 5000, 'both handlers to start');
    const begun = performance.now();
    await upsocket.close({ spread: 800, timeout: 300 });
    expect(performance.now() - begun).toBeGreaterThanOrEqual(800 + 300 - 20);
    expect(upsocket.connections.size).toBe(0);
  }, 20_000);

  it("closes with 1012 by default, which a Node client's read() takes as a clean end (null)", async () => {
    const { upsocket, wsUrl } = await start();
    const reads: unknown[] = [];
    const connected = until(() => upsocket.connections.size === 1, 5000, 'the connection');
    const done = connect(`${wsUrl}/ws`, async (connection) => {
      reads.push(await connection.read());
    });
    await connected;
    await upsocket.close();
    expect(await done).toEqual({ code: 1012, reason: '' });
    expect(reads).toEqual([null]);
  });

  it('checks spread like the other options', () => {
    const upsocket = attach(http.createServer());
    for (const spread of [-1, 1.5, '100']) {
      expect(() => upsocket.close({ spread: spread as number })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    }
  });

  it('defaults the spread to 6 ms per open connection, at most 10 s', () => {
    expect([0, 1, 100, 1000, 1667, 50_000].map(defaultSpread)).toEqual([0, 6, 600, 6000, 10_000, 10_000]);
  });
});
