// stats() counts what a real client did: the difference between two snapshots is exactly this test's work.
import { describe, expect, it } from 'vitest';
import { createTopics, stats, type Connection, type UpsocketStats } from '../../src/index.js';
import { handshakeRequest, sendRaw } from '../helpers/hostile-client.js';
import { until } from '../helpers/server.js';
import { expectRefusal, TestClient } from '../helpers/ws-client.js';
import { startServer } from './recorder.js';

function difference(after: UpsocketStats, before: UpsocketStats) {
  const numbers = Object.fromEntries(
    Object.entries(after)
      .filter(([, value]) => typeof value === 'number')
      .map(([key, value]) => [key, (value as number) - (before[key as keyof UpsocketStats] as number)]),
  );
  const byKey = (now: Record<number, number>, then: Record<number, number>) =>
    Object.fromEntries(Object.entries(now).map(([key, value]) => [key, value - (then[Number(key)] ?? 0)]).filter(([, value]) => value !== 0));
  return { ...numbers, closedByCode: byKey(after.closedByCode, before.closedByCode), refusedByStatus: byKey(after.refusedByStatus, before.refusedByStatus) };
}

describe('stats()', () => {
  it('matches what the clients did', async () => {
    const before = stats();
    const { wsUrl } = await startServer(async (connection) => {
      for await (const message of connection) {
        if (message.text() === 'throw') throw new Error('bug');
        connection.sendText(message.text().toUpperCase());
      }
    });
    await expectRefusal(`${wsUrl}/a`, { origin: 'https://evil.example' });
    const port = Number(new URL(wsUrl).port);
    expect((await sendRaw(port, handshakeRequest(port, '/b', { 'Sec-WebSocket-Key': null }))).status).toBe(400);
    const first = await TestClient.connect(`${wsUrl}/one`);
    const second = await TestClient.connect(`${wsUrl}/two`);
    expect(stats().openConnections - before.openConnections).toBe(2);
    first.ws.send('abc');
    expect(await first.nextText()).toBe('ABC');
    first.ws.send('de');
    expect(await first.nextText()).toBe('DE');
    second.ws.send('throw');
    expect((await second.closed).code).toBe(1011);
    first.ws.close(1000);
    await first.closed;
    await until(() => stats().closed - before.closed === 2, 5000, 'two closes counted');

    expect(difference(stats(), before)).toEqual({
      openConnections: 0,
      upgrades: 4,
      opened: 2,
      closed: 2,
      closedByCode: { 1000: 1, 1011: 1 },
      refused: 2,
      refusedByStatus: { 400: 1, 403: 1 },
      upgradesShed: 0,
      pendingUpgrades: 0,
      drainingConnections: 0,
      errors: 1,
      messagesReceived: 3,
      messagesSent: 2,
      bytesReceived: 3 + 2 + 5,
      bytesSent: 3 + 2,
      receivePauses: 0,
      sendPauses: 0,
      rateLimitedConnections: 0,
      rateLimitPauses: 0,
      rateLimitCloses: 0,
      heartbeatTimeouts: 0,
      topicPublishes: 0,
      topicDeliveries: 0,
      slowSubscriberCloses: 0,
      topicGaps: 0,
    });
  });

  it("counts a topic message once per subscriber it was written to, with its payload's bytes", async () => {
    const topics = createTopics();
    const subscribed: Connection[] = [];
    const { wsUrl } = await startServer(async (connection) => {
      await topics.subscribe(connection, 'room');
      subscribed.push(connection);
      await connection.closed;
    });
    const clients = [await TestClient.connect(`${wsUrl}/a`), await TestClient.connect(`${wsUrl}/b`)];
    await until(() => subscribed.length === 2, 5000, 'two subscribers');
    const before = stats();
    await topics.publish('room', 'héllo');
    for (const client of clients) expect(await client.nextText()).toBe('héllo');
    const after = stats();
    expect(after.messagesSent - before.messagesSent).toBe(2);
    expect(after.bytesSent - before.bytesSent).toBe(2 * 6);
    expect(after.topicDeliveries - before.topicDeliveries).toBe(2);
  });

  it('returns a snapshot: later activity does not change an earlier result', async () => {
    const snapshot = stats();
    const copy = structuredClone(snapshot);
    const { wsUrl } = await startServer(() => {});
    await expectRefusal(`${wsUrl}/x`, { origin: 'https://evil.example' });
    expect(snapshot).toEqual(copy);
    expect(stats().refused).toBe(snapshot.refused + 1);
  });
});
