// reconnecting() honours Retry-After: after a 503 or 429 that carries it (seconds or an HTTP date),
// the next attempt comes no sooner, with jitter on top, and no later than maxDelay × (1 + jitter).
// Real servers (upsocket's own refusals, and a raw one for the header forms), a real client; the
// gaps are measured where the attempts arrive.
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { resolveBackoff, retryAfterDelay } from '../../src/client/backoff.js';
import { retryAfterOf } from '../../src/client/retry-after.js';
import { HandshakeError, reconnecting, type AttachOptions, type Connection, type OpenOptions, type ReconnectEvent } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { listen, until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

const retrier = { 'x-who': 'retrier' };

/** An upsocket app whose every path opens a connection held until the peer closes. */
async function startApp(attachOptions: AttachOptions, openOptions?: OpenOptions) {
  const server = http.createServer((req, res) => {
    if (!open(req, async (connection) => void (await connection.closed), openOptions)) res.end('plain');
  });
  const started = await listen(server, attach(server, { heartbeat: false, onRefuse: () => {}, ...attachOptions }));
  return { ...started, arrivals: arrivalsOf(started.server) };
}

/** When each upgrade of the retrying client reached the server (ms, performance.now()). */
function arrivalsOf(server: http.Server): number[] {
  const arrivals: number[] = [];
  server.prependListener('upgrade', (req: IncomingMessage) => {
    if (req.headers['x-who'] === 'retrier') arrivals.push(performance.now());
  });
  return arrivals;
}

/** The retrying client: a fast backoff (20 ms) that only Retry-After can slow down. */
function retry(url: string, options: { maxDelay?: number; jitter?: number } = {}) {
  const events: ReconnectEvent[] = [];
  const client = reconnecting(url, (connection: Connection) => connection.closed.then(() => {}), {
    headers: retrier,
    initialDelay: 20,
    maxDelay: 10_000,
    ...options,
    onReconnect: (event) => void events.push(event),
    onError: () => {},
  });
  onCleanup(() => client.close());
  return { client, events };
}

function gaps(arrivals: number[]): number[] {
  return arrivals.slice(1).map((at, i) => at - arrivals[i]!);
}

/** A raw server that answers every upgrade with `status` and the Retry-After `header()` gives. */
async function refusingServer(status: number, header: () => string) {
  const server = http.createServer((_req, res) => res.end('plain'));
  const arrivals: number[] = [];
  const answered: number[] = [];
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    arrivals.push(performance.now());
    answered.push(Date.now());
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nRetry-After: ${header()}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  const started = await listen(server, { close: () => Promise.resolve() } as never);
  return { ...started, arrivals, answered };
}

describe('reconnecting() honours Retry-After', () => {
  it('waits at least Retry-After: 1 between attempts refused at maxConnections (503), then connects', async () => {
    const app = await startApp({ maxConnections: 1, retryAfter: 1 });
    const holder = await TestClient.connect(`${app.wsUrl}/held`);
    const { client, events } = retry(`${app.wsUrl}/feed`);
    await until(() => app.arrivals.length === 3, 8000, 'three refused attempts');
    holder.ws.close();
    await until(() => client.state === 'open', 8000, 'the connection once the place is free');
    for (const gap of gaps(app.arrivals)) expect(gap).toBeGreaterThanOrEqual(1000);
    expect(events.map((event) => (event.error as HandshakeError).status)).toEqual([503, 503, 503]);
    // Jitter on top: 1 s to 1.5 s (jitter 0.5), never below what the server asked.
    for (const { delay } of events) {
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(1500);
    }
  });

  it('waits at least Retry-After: 2 after a 429 over connectionsPerClient', async () => {
    const app = await startApp({}, { connectionsPerClient: { max: 1, key: () => 'one client' }, retryAfter: 2 });
    const holder = await TestClient.connect(`${app.wsUrl}/held`);
    const { client, events } = retry(`${app.wsUrl}/feed`);
    await until(() => events.length === 1, 5000, 'the refused first attempt');
    holder.ws.close();
    await until(() => client.state === 'open', 8000, 'the second attempt');
    expect(app.arrivals).toHaveLength(2);
    expect(gaps(app.arrivals)[0]).toBeGreaterThanOrEqual(2000);
    expect((events[0]?.error as HandshakeError).status).toBe(429);
  });

  it('waits at least the Retry-After of the 503 answered while the server shuts down', async () => {
    const app = await startApp({});
    void app.upsocket.close({ retryAfter: 1 });
    const { events } = retry(`${app.wsUrl}/feed`);
    await until(() => app.arrivals.length === 2, 5000, 'two refused attempts');
    expect(gaps(app.arrivals)[0]).toBeGreaterThanOrEqual(1000);
    expect(events[0]?.error).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
  });

  it('waits until the HTTP date Retry-After names', async () => {
    // A whole second (HTTP dates have no finer unit), 2 to 3 s ahead of the answer.
    const date = () => new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
    const refusing = await refusingServer(503, () => date().toUTCString());
    retry(refusing.wsUrl);
    await until(() => refusing.answered.length === 2, 8000, 'the second attempt');
    const [first, second] = refusing.answered as [number, number];
    expect(second).toBeGreaterThanOrEqual(Math.ceil((first + 2000) / 1000) * 1000);
  });

  it('believes Retry-After only up to maxDelay (plus jitter): Retry-After: 3600 with maxDelay 300', async () => {
    const refusing = await refusingServer(429, () => '3600');
    const { events } = retry(refusing.wsUrl, { maxDelay: 300, jitter: 0.5 });
    await until(() => refusing.arrivals.length === 3, 5000, 'three attempts');
    for (const gap of gaps(refusing.arrivals)) {
      expect(gap).toBeGreaterThanOrEqual(300);
      expect(gap).toBeLessThan(2500);
    }
    for (const { delay } of events.slice(0, 2)) {
      expect(delay).toBeGreaterThanOrEqual(300);
      expect(delay).toBeLessThanOrEqual(450);
    }
  });

  it('keeps the fast backoff for a 503 without Retry-After', async () => {
    const server = http.createServer((_req, res) => res.writeHead(503).end('down'));
    const { wsUrl } = await listen(server, attach(server));
    const arrivals = arrivalsOf(server);
    retry(wsUrl, { maxDelay: 20, jitter: 0 });
    await until(() => arrivals.length === 3, 5000, 'three attempts');
    for (const gap of gaps(arrivals)) expect(gap).toBeLessThan(500);
  });
});

describe('Retry-After, read and applied', () => {
  const refused = (status: number, retryAfter?: string) =>
    new HandshakeError('UPSOCKET_HANDSHAKE_FAILED', 'refused', { status, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter }, body: '' });

  it('reads seconds and HTTP dates of 503 and 429 answers only', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(retryAfterOf(refused(503, '2'), now)).toBe(2000);
    expect(retryAfterOf(refused(429, ' 0 '), now)).toBe(0);
    expect(retryAfterOf(refused(503, 'Sun, 06 Dec 2026 12:00:30 GMT'), now)).toBe(30_000);
    expect(retryAfterOf(refused(503, 'Sun, 06 Dec 2026 11:00:00 GMT'), now)).toBe(0);
    expect(retryAfterOf(refused(503, '-1'), now)).toBeUndefined();
    expect(retryAfterOf(refused(503, 'soon'), now)).toBeUndefined();
    expect(retryAfterOf(refused(503), now)).toBeUndefined();
    expect(retryAfterOf(refused(401, '2'), now)).toBeUndefined();
    expect(retryAfterOf(new Error('network'), now)).toBeUndefined();
  });

  it('waits at least what the server asked, jitter on top, capped at maxDelay, never below the backoff', () => {
    const backoff = resolveBackoff({ initialDelay: 100, maxDelay: 10_000, jitter: 0.5 });
    expect(retryAfterDelay(1, backoff, 2000, () => 0)).toBe(2000);
    expect(retryAfterDelay(1, backoff, 2000, () => 1)).toBe(3000);
    expect(retryAfterDelay(1, backoff, 3_600_000, () => 1)).toBe(15_000);
    expect(retryAfterDelay(8, backoff, 0, () => 0)).toBe(10_000);
  });
});
