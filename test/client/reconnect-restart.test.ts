// reconnecting() after a deploy: when the server closes with 1001, 1012 or 1013, every client of
// that server comes back after a random delay spread over `restartDelay` instead of within the
// backoff's 250–500 ms; a drop (1006) or a handler error (1011) keeps the backoff. A real upsocket
// server on port 0 closes 40 real clients in the same tick; the delays are what onReconnect reports.
import { describe, expect, it } from 'vitest';
import { reconnecting, type Connection, type ReconnectEvent, type ReconnectOptions } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { holdingServer, type HoldingServer } from '../helpers/holding-server.js';
import { until } from '../helpers/server.js';
import { expectSpreadOver, expectWithin } from '../helpers/spread.js';

/** `count` reconnecting clients, each reporting its reconnects into `events`; open once the server holds them all. */
async function clients(app: HoldingServer, count: number, options: ReconnectOptions = {}) {
  const events: ReconnectEvent[] = [];
  for (let index = 0; index < count; index++) {
    const client = reconnecting(`${app.wsUrl}/feed`, (connection) => connection.closed.then(() => {}), {
      onReconnect: (event) => void events.push(event),
      onError: () => {},
      ...options,
    });
    onCleanup(() => client.close());
  }
  await until(() => app.connections.size === count, 10_000, `${count} open connections`);
  return events;
}

/** Closes every connection the server holds in one tick, as a server shutting down does. */
async function closeAllAndCollect(app: HoldingServer, close: (connection: Connection) => void, events: ReconnectEvent[], count: number) {
  app.closeAll(close);
  await until(() => events.length >= count, 10_000, `${count} reconnects`);
  return events.slice(0, count).map(({ delay }) => delay);
}

const COUNT = 40;

describe('reconnecting() spreads the return after a restart close', () => {
  it.each([1012, 1001])('after %i, 40 clients closed together wait delays spread over restartDelay (1000 ms by default)', async (code) => {
    const app = await holdingServer();
    const events = await clients(app, COUNT);
    const delays = await closeAllAndCollect(app, (connection) => void connection.close(code, 'deploy'), events, COUNT);
    expect(events.every((event) => event.attempt === 1 && event.closed?.code === code)).toBe(true);
    // The backoff alone would put all of them in 250–500 ms.
    expectSpreadOver(delays, 0, 1000);
    await until(() => app.connections.size === COUNT, 20_000, 'every client back');
  });

  it('after 1013 (try again later), the delays are spread over restartDelay to twice it', async () => {
    const app = await holdingServer();
    const events = await clients(app, COUNT, { restartDelay: 400 });
    const delays = await closeAllAndCollect(app, (connection) => void connection.close(1013, 'Too far behind'), events, COUNT);
    expectSpreadOver(delays, 400, 800);
  });

  it('honours a restartDelay of its own, and 0 reconnects at once', async () => {
    const app = await holdingServer();
    const events = await clients(app, COUNT, { restartDelay: 4000 });
    const delays = await closeAllAndCollect(app, (connection) => void connection.close(1012), events, COUNT);
    expectSpreadOver(delays, 0, 4000);

    const again = await holdingServer();
    const immediate = await clients(again, 3, { restartDelay: 0 });
    expect(await closeAllAndCollect(again, (connection) => void connection.close(1012), immediate, 3)).toEqual([0, 0, 0]);
  });

  it.each([
    ['a drop (1006)', 1006, (connection: Connection) => connection.terminate()],
    ['a handler error (1011)', 1011, (connection: Connection) => void connection.close(1011)],
  ])('after %s the backoff is unchanged: 250–500 ms with the defaults', async (_what, code, close) => {
    const app = await holdingServer();
    const events = await clients(app, COUNT);
    const delays = await closeAllAndCollect(app, close, events, COUNT);
    expect(events.every((event) => event.attempt === 1 && event.closed?.code === code)).toBe(true);
    expectWithin(delays, 250, 500);
  });

  it("when the attempt after a restart is refused, the backoff and the refusal's Retry-After apply", async () => {
    const app = await holdingServer();
    const events = await clients(app, 1, { restartDelay: 100 });
    // A server that shuts down: every connection gets 1012, new upgrades a 503 with Retry-After: 1.
    void app.upsocket.close({ code: 1012, reason: 'restarting', retryAfter: 1, timeout: 1000 });
    await until(() => events.length >= 2, 10_000, 'the refused attempt after the restart close');
    const [restart, refused] = events as [ReconnectEvent, ReconnectEvent];
    expect(restart).toMatchObject({ attempt: 1, closed: { code: 1012, reason: 'restarting' } });
    expect(restart.delay).toBeLessThanOrEqual(100);
    expect(refused).toMatchObject({ attempt: 2, error: { status: 503 } });
    expect(refused.delay).toBeGreaterThanOrEqual(1000);
  });

  it('rejects a restartDelay that is not a whole number of ms, 0 or more, with UPSOCKET_INVALID_OPTION', () => {
    for (const restartDelay of [-1, 1.5, Number.NaN, '1000' as never]) {
      expect(() => reconnecting('ws://127.0.0.1:1/', () => {}, { restartDelay })).toThrow(
        expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('restartDelay') }),
      );
    }
  });
});
