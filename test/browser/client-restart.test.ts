// connectResumable() after a deploy (on Node with ws's WebSocket): when the server closes with 1001,
// 1012 or 1013, the pages it closed come back after a random delay spread over `backoff.restart`
// instead of within the backoff's 250–500 ms; a drop (1006) keeps the backoff. A real upsocket
// server on port 0 closes 40 clients in the same tick; the delays are what 'reconnect' reports.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectResumable, type ResumableOptions, type ResumableReconnectEvent, type WebSocketConstructor } from '../../src/browser/index.js';
import type { Connection } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { holdingServer, type HoldingServer } from '../helpers/holding-server.js';
import { until } from '../helpers/server.js';
import { expectSpreadOver, expectWithin } from '../helpers/spread.js';

const COUNT = 40;
const webSocket = WebSocket as unknown as WebSocketConstructor;

/** `count` clients, open; then every connection closed by `close` in one tick; the reconnects they report. */
async function reconnectsAfter(close: (connection: Connection) => void, options: ResumableOptions = {}, count = COUNT): Promise<ResumableReconnectEvent[]> {
  const app: HoldingServer = await holdingServer();
  const events: ResumableReconnectEvent[] = [];
  for (let index = 0; index < count; index++) {
    const client = connectResumable(`${app.wsUrl}/feed`, { WebSocket: webSocket, ...options });
    client.addEventListener('reconnect', (event) => events.push(event));
    onCleanup(() => client.close());
  }
  await until(() => app.connections.size === count, 10_000, `${count} open connections`);
  app.closeAll(close);
  await until(() => events.length >= count, 10_000, `${count} reconnects`);
  return events.slice(0, count);
}

const delays = (events: ResumableReconnectEvent[]) => events.map(({ delay }) => delay);

describe('connectResumable() spreads the return after a restart close', () => {
  it.each([1012, 1001])('after %i, 40 clients closed together wait delays spread over backoff.restart (1000 ms by default)', async (code) => {
    const events = await reconnectsAfter((connection) => void connection.close(code));
    expect(events.every((event) => event.attempt === 1 && event.code === code)).toBe(true);
    expectSpreadOver(delays(events), 0, 1000);
  });

  it('after 1013, over backoff.restart to twice it', async () => {
    const events = await reconnectsAfter((connection) => void connection.close(1013), { backoff: { restart: 400 } });
    expectSpreadOver(delays(events), 400, 800);
  });

  it('honours backoff.restart, and 0 reconnects at once', async () => {
    expectSpreadOver(delays(await reconnectsAfter((connection) => void connection.close(1012), { backoff: { restart: 4000 } })), 0, 4000);
    expect(delays(await reconnectsAfter((connection) => void connection.close(1012), { backoff: { restart: 0 } }, 3))).toEqual([0, 0, 0]);
  });

  it('after a drop (1006) the backoff is unchanged: 250–500 ms with the defaults', async () => {
    const events = await reconnectsAfter((connection) => connection.terminate());
    expect(events.every((event) => event.attempt === 1 && event.code === 1006)).toBe(true);
    expectWithin(delays(events), 250, 500);
  });

  it('rejects a backoff.restart that is not a whole number of ms, 0 or more, and unknown backoff keys, with UPSOCKET_INVALID_OPTION', () => {
    for (const restart of [-1, 1.5, Number.NaN, '1000' as never]) {
      expect(() => connectResumable('ws://127.0.0.1:1/', { WebSocket: webSocket, backoff: { restart } })).toThrow(
        expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('backoff.restart') }),
      );
    }
    expect(() => connectResumable('ws://127.0.0.1:1/', { WebSocket: webSocket, backoff: { restrat: 10 } as never })).toThrow(
      expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('backoff.restrat') }),
    );
  });
});
