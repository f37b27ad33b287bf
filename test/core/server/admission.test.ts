// attach()'s admission bounds under a storm: maxPendingUpgrades and upgradesPerSecond shed upgrades
// with a raw 503 + Retry-After before the app sees them, visible in stats() and upsocket/otel.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attach, open, type AttachOptions } from '../../../src/adapters/node-http/index.js';
import type { RefusedUpgrade } from '../../../src/index.js';
import { stats } from '../../../src/observe/stats.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { deferred } from '../../helpers/deferred.js';
import { RawClient } from '../../helpers/raw-client.js';
import { delay, listen, until } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';
import { points, startMetrics } from '../../observe/metrics.js';
import { on, recordChannels } from '../../observe/recorder.js';

/**
 * A server whose app holds every upgrade in an async middleware until `release()` (unless `hold`
 * is false), then opens it (an echo; `/deny` gets 401). `seen` lists the upgrades the app got;
 * `refusals` what onRefuse heard.
 */
async function holdingServer(options: AttachOptions, hold = true) {
  let gate = deferred();
  const seen: string[] = [];
  const refusals: RefusedUpgrade[] = [];
  const server = http.createServer(async (req, res) => {
    seen.push(req.url ?? '');
    if (hold) await gate.promise;
    if (req.url === '/deny') return void res.writeHead(401).end('no');
    const opened = open(req, async (connection) => {
      for await (const message of connection) connection.sendText(message.text());
    });
    if (!opened) res.end('plain HTTP');
  });
  const started = await listen(server, attach(server, { heartbeat: false, onRefuse: (refusal) => refusals.push(refusal), ...options }));
  const release = (): void => {
    gate.resolve();
    gate = deferred();
  };
  // Before the server's own teardown (cleanups run last first): nothing stays held in the app.
  onCleanup(() => gate.resolve());
  return { ...started, seen, refusals, release };
}

/** `count` handshakes on raw sockets: many cheap pending upgrades. */
function rawUpgrades(port: number, path: string, count: number): Promise<RawClient[]> {
  return Promise.all(Array.from({ length: count }, () => RawClient.open(port, path)));
}

/** One handshake: 'opened', or the refusal's status, Retry-After and body. */
function attempt(url: string): Promise<'opened' | { status: number; retryAfter: unknown; body: string }> {
  const ws = new WebSocket(url);
  onCleanup(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve('opened'));
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body }));
    });
  });
}

describe('attach({ maxPendingUpgrades })', () => {
  it('answers the upgrade over the bound with a raw 503 + Retry-After before the app sees it, and admits again once the held ones finish', async () => {
    const { wsUrl, seen, refusals, release } = await holdingServer({ maxPendingUpgrades: 2 });
    const before = stats();
    const held = [TestClient.connect(`${wsUrl}/a`), TestClient.connect(`${wsUrl}/b`)];
    await until(() => seen.length === 2, 5000, 'the app to hold two upgrades');
    expect(stats().pendingUpgrades - before.pendingUpgrades).toBe(2);

    const shed = await expectRefusal(`${wsUrl}/c`);
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(shed.headers.connection).toBe('close');
    expect(shed.body).toBe('Too many upgrades in progress (maxPendingUpgrades)\n');
    expect(seen).toEqual(['/a', '/b']);
    expect(refusals).toMatchObject([{ url: '/c', status: 503, reason: 'Too many upgrades in progress (maxPendingUpgrades)' }]);
    const during = stats();
    expect(during.upgradesShed - before.upgradesShed).toBe(1);
    expect(during.refusedByStatus[503]! - (before.refusedByStatus[503] ?? 0)).toBe(1);

    release();
    const [a, b] = await Promise.all(held);
    a!.ws.send('a');
    expect(await a!.nextText()).toBe('a');
    expect(b!.ws.readyState).toBe(b!.ws.OPEN);
    expect(stats().pendingUpgrades).toBe(before.pendingUpgrades);
    const next = TestClient.connect(`${wsUrl}/d`);
    await until(() => seen.length === 3, 5000, 'the app to get the next upgrade');
    release();
    await next;
  });

  it('frees the place of an upgrade whose client left while the app held it, whatever the app does later', async () => {
    const { wsUrl, httpUrl, seen, release } = await holdingServer({ maxPendingUpgrades: 2 });
    const port = Number(new URL(httpUrl).port);
    const before = stats().pendingUpgrades;
    const leaving = await RawClient.open(port, '/deny');
    const staying = TestClient.connect(`${wsUrl}/stay`);
    await until(() => seen.length === 2, 5000, 'the app to hold two upgrades');
    expect(stats().pendingUpgrades - before).toBe(2);
    leaving.socket.destroy();
    await until(() => stats().pendingUpgrades - before === 1, 5000, "the leaving client's place to be freed");
    const third = TestClient.connect(`${wsUrl}/third`);
    await until(() => seen.length === 3, 5000, 'the app to get the third upgrade');
    // The app answers the one whose client left (401): its place is not given back twice.
    release();
    await Promise.all([staying, third]);
    await delay(50);
    expect(stats().pendingUpgrades).toBe(before);
  });

  it('holds 512 upgrades in the app by default and sheds the 513th', async () => {
    const { httpUrl, seen, release } = await holdingServer({});
    const port = Number(new URL(httpUrl).port);
    const pending = await rawUpgrades(port, '/held', 512);
    await until(() => seen.length === 512, 20_000, 'the app to hold 512 upgrades');
    const shed = await RawClient.open(port, '/over');
    await until(() => shed.status !== undefined, 5000, 'the 513th to be answered');
    expect(shed.httpResponse).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*Retry-After: 1\r\n/);
    expect(seen).not.toContain('/over');
    release();
    await until(() => pending.every((client) => client.status === 101), 20_000, 'the held upgrades to open');
  }, 40_000);

  it('can be turned off with false, and checks its value', async () => {
    const { httpUrl, seen, release } = await holdingServer({ maxPendingUpgrades: false });
    const port = Number(new URL(httpUrl).port);
    const pending = await rawUpgrades(port, '/held', 600);
    await until(() => seen.length === 600, 20_000, 'the app to hold 600 upgrades');
    release();
    await until(() => pending.every((client) => client.status === 101), 20_000, 'the held upgrades to open');
    for (const maxPendingUpgrades of [0, -1, 2.5, true, '10']) {
      expect(() => attach(http.createServer(), { maxPendingUpgrades: maxPendingUpgrades as number })).toThrow(
        expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('maxPendingUpgrades') }),
      );
    }
  }, 40_000);

  it('is an attach() option only: open() does not take it', async () => {
    const errors: unknown[] = [];
    const server = http.createServer((req, res) => {
      try {
        open(req, () => {}, { maxPendingUpgrades: 1 } as never);
      } catch (error) {
        errors.push(error);
        res.writeHead(500).end();
      }
    });
    const { wsUrl } = await listen(server, attach(server, { onRefuse: () => {}, onError: () => {} }));
    await expectRefusal(`${wsUrl}/`).catch(() => {});
    await until(() => errors.length === 1, 5000, 'open() to throw');
    expect(errors[0]).toMatchObject({ code: 'UPSOCKET_INVALID_OPTION' });
  });
});

describe('attach({ upgradesPerSecond })', () => {
  it('admits a burst, sheds the next with 503 + Retry-After before the app sees it, and admits again once the bucket refilled', async () => {
    const { wsUrl, seen } = await holdingServer({ upgradesPerSecond: 1, upgradeBurst: 2 }, false);
    const before = stats().upgradesShed;
    // Four at once: the bucket holds two, and refills one a second.
    const answers = await Promise.all([1, 2, 3, 4].map((n) => attempt(`${wsUrl}/${n}`)));
    expect(answers.filter((answer) => answer === 'opened')).toHaveLength(2);
    expect(answers.filter((answer) => answer !== 'opened')).toEqual([
      { status: 503, retryAfter: '1', body: 'Too many upgrades per second (upgradesPerSecond)\n' },
      { status: 503, retryAfter: '1', body: 'Too many upgrades per second (upgradesPerSecond)\n' },
    ]);
    expect(seen).toHaveLength(2);
    expect(stats().upgradesShed - before).toBe(2);
    await delay(1100);
    expect(await attempt(`${wsUrl}/5`)).toBe('opened');
    expect(seen).toHaveLength(3);
  });

  it('checks its values; upgradeBurst needs upgradesPerSecond', () => {
    for (const upgradesPerSecond of [0, -5, 1.5]) {
      expect(() => attach(http.createServer(), { upgradesPerSecond })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    }
    expect(() => attach(http.createServer(), { upgradeBurst: 10 })).toThrow(
      expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('give upgradesPerSecond too') }),
    );
  });
});

describe('shed upgrades in upsocket/otel', () => {
  it('counts upsocket.upgrades.shed and gauges upsocket.upgrades.pending', async () => {
    const { collect } = startMetrics();
    const { wsUrl, seen, release } = await holdingServer({ maxPendingUpgrades: 1 });
    const held = TestClient.connect(`${wsUrl}/held`);
    await until(() => seen.length === 1, 5000, 'the app to hold an upgrade');
    await expectRefusal(`${wsUrl}/over`);
    let metrics = await collect();
    expect(points(metrics.get('upsocket.upgrades.shed'))).toEqual([{ attributes: {}, value: 1 }]);
    expect(points(metrics.get('upsocket.upgrades.pending'))[0]?.value).toBeGreaterThanOrEqual(1);
    const pendingWhileHeld = Number(points(metrics.get('upsocket.upgrades.pending'))[0]?.value);
    release();
    await held;
    metrics = await collect();
    expect(points(metrics.get('upsocket.upgrades.pending'))).toEqual([{ attributes: {}, value: pendingWhileHeld - 1 }]);
  });
});

describe('shed upgrades are told apart by the bound that shed them, not by their reason text', () => {
  it("upsocket:refused carries each shed's bound; stats() and upsocket/otel count those and no other 503", async () => {
    const published = recordChannels();
    const { collect } = startMetrics();
    const before = stats();

    // maxPendingUpgrades sheds; maxConnections and the shutdown refuse with 503 too, unshed.
    const pending = await holdingServer({ maxPendingUpgrades: 1, maxConnections: 1 });
    const held = TestClient.connect(`${pending.wsUrl}/held`);
    await until(() => pending.seen.length === 1, 5000, 'the app to hold an upgrade');
    expect((await expectRefusal(`${pending.wsUrl}/over-pending`)).status).toBe(503);
    pending.release();
    await held;
    const full = expectRefusal(`${pending.wsUrl}/over-connections`);
    await until(() => pending.seen.length === 2, 5000, 'the app to get the upgrade over maxConnections');
    pending.release();
    expect((await full).status).toBe(503);
    void pending.upsocket.close({ timeout: 500 });
    expect((await expectRefusal(`${pending.wsUrl}/after-close`)).status).toBe(503);

    // upgradesPerSecond sheds: a bucket of one, so the second at once is over it.
    const rate = await holdingServer({ upgradesPerSecond: 1, upgradeBurst: 1 }, false);
    expect(await attempt(`${rate.wsUrl}/first`)).toBe('opened');
    expect(await attempt(`${rate.wsUrl}/over-rate`)).toMatchObject({ status: 503 });

    expect(on(published, 'upsocket:refused').map(({ request, status, shed }) => ({ url: request.url, status, shed }))).toEqual([
      { url: '/over-pending', status: 503, shed: 'maxPendingUpgrades' },
      { url: '/over-connections', status: 503, shed: undefined },
      { url: '/after-close', status: 503, shed: undefined },
      { url: '/over-rate', status: 503, shed: 'upgradesPerSecond' },
    ]);
    const after = stats();
    expect(after.refusedByStatus[503]! - (before.refusedByStatus[503] ?? 0)).toBe(4);
    expect(after.upgradesShed - before.upgradesShed).toBe(2);
    const metrics = await collect();
    expect(points(metrics.get('upsocket.upgrades.shed'))).toEqual([{ attributes: {}, value: 2 }]);
  });
});
