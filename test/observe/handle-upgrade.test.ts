// handleUpgrade()'s upgrades are observed like routed ones: the upsocket:upgrade channel, stats()
// and the OTel upgrade counter see each of them, so `refused` never exceeds `upgrades`.
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { handleUpgrade, stats, type UpsocketServer } from '../../src/index.js';
import { echo } from '../helpers/handlers.js';
import { listen, until } from '../helpers/server.js';
import { expectRefusal, TestClient } from '../helpers/ws-client.js';
import { points, startMetrics } from './metrics.js';
import { on, recordChannels } from './recorder.js';

/** A server without attach(): its own 'upgrade' listener hands every upgrade to handleUpgrade(). */
async function startBare() {
  const server = http.createServer((_req, res) => res.end('plain'));
  let upsocket: UpsocketServer | undefined;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upsocket = handleUpgrade(req, socket, head, echo, { onRefuse: () => {} });
  });
  const closer = { close: (options) => upsocket?.close(options) ?? Promise.resolve() } as Pick<UpsocketServer, 'close'>;
  return listen(server, closer as UpsocketServer);
}

/** One upgrade refused for its Origin, one opened and closed. */
async function refuseOneOpenOne(wsUrl: string): Promise<void> {
  expect((await expectRefusal(`${wsUrl}/refused`, { origin: 'https://evil.example' })).status).toBe(403);
  const client = await TestClient.connect(`${wsUrl}/opened`);
  client.ws.close(1000);
  await client.closed;
}

describe("handleUpgrade()'s upgrades are observed", () => {
  it('on upsocket:upgrade, before their refusal or open', async () => {
    const published = recordChannels();
    const { wsUrl } = await startBare();
    await refuseOneOpenOne(wsUrl);
    await until(() => on(published, 'upsocket:close').length === 1, 5000, 'upsocket:close');
    expect(published.map((entry) => entry.name)).toEqual(['upsocket:upgrade', 'upsocket:refused', 'upsocket:upgrade', 'upsocket:open', 'upsocket:close']);
    expect(on(published, 'upsocket:upgrade').map(({ request }) => request.url)).toEqual(['/refused', '/opened']);
  });

  it('in stats().upgrades, which never falls behind refused', async () => {
    const before = stats();
    const { wsUrl } = await startBare();
    await refuseOneOpenOne(wsUrl);
    const after = stats();
    expect({ upgrades: after.upgrades - before.upgrades, refused: after.refused - before.refused, opened: after.opened - before.opened }).toEqual({
      upgrades: 2,
      refused: 1,
      opened: 1,
    });
  });

  it("in OTel's upsocket.upgrades counter", async () => {
    const { collect } = startMetrics();
    const { wsUrl } = await startBare();
    await refuseOneOpenOne(wsUrl);
    const metrics = await collect();
    const value = (name: string) => points(metrics.get(name)).reduce((sum, point) => sum + Number(point.value), 0);
    expect({ upgrades: value('upsocket.upgrades'), refusals: value('upsocket.refusals') }).toEqual({ upgrades: 2, refusals: 1 });
  });
});
