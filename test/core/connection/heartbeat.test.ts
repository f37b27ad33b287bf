// The heartbeat's schedule, on in-memory pairs with only setInterval faked: how many probes each
// tick runs and how often each connection is probed. Dropping dead peers over real sockets is
// tested in connection.test.ts and hardening/slow-peers.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../../src/core/index.js';
import { coreOf } from '../../../src/core/connection/connection.js';
import { ConnectionCore } from '../../../src/core/connection/connection-core.js';
import { Heartbeat } from '../../../src/core/connection/heartbeat.js';
import { pair } from '../../../src/testing/index.js';

let probed: Connection[][];
let heartbeat: Heartbeat | undefined;
let pairs: Connection[] = [];
/** Maps each probed core back to its connection. */
const connectionOf = new Map<ConnectionCore<Connection>, Connection>();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  probed = [[]];
  // Record which connection each probe was for, tick by tick.
  const original = ConnectionCore.prototype.probe;
  vi.spyOn(ConnectionCore.prototype, 'probe').mockImplementation(function (this: ConnectionCore<Connection>) {
    probed.at(-1)!.push(connectionOf.get(this)!);
    original.call(this);
  });
});

afterEach(async () => {
  heartbeat?.stop();
  heartbeat = undefined;
  vi.restoreAllMocks();
  vi.useRealTimers();
  await Promise.all(pairs.map((connection) => connection.close()));
  pairs = [];
  connectionOf.clear();
});

/** `count` server ends of in-memory pairs, with their cores registered for the probe spy. */
function serverEnds(count: number): Connection[] {
  const servers: Connection[] = [];
  for (let i = 0; i < count; i++) {
    const [server, client] = pair();
    connectionOf.set(coreOf(server), server);
    servers.push(server);
    pairs.push(server, client);
  }
  return servers;
}

function tick(ms: number): void {
  vi.advanceTimersByTime(ms);
  probed.push([]);
}

describe('Heartbeat', () => {
  it('spreads one interval over 20 ms slices: 1,000 connections at 1 s are probed 20 per tick, each once per interval', async () => {
    const connections = serverEnds(1000);
    heartbeat = new Heartbeat(1000);
    for (const connection of connections) heartbeat.add(connection);
    for (let i = 0; i < 100; i++) tick(20);
    const perTick = probed.slice(0, 100).map((round) => round.length);
    expect(perTick).toEqual(Array.from({ length: 100 }, () => 20));
    // Each connection exactly once in the first interval, and again exactly one interval later.
    const first = probed.slice(0, 50).flat();
    expect(new Set(first).size).toBe(1000);
    for (let i = 0; i < 50; i++) expect(probed[i + 50]).toEqual(probed[i]);
  });

  it('caps a 30 s interval at 1,000 slices (a tick every 30 ms) and still probes everyone once per interval', async () => {
    const connections = serverEnds(3000);
    heartbeat = new Heartbeat(30_000);
    for (const connection of connections) heartbeat.add(connection);
    for (let i = 0; i < 1000; i++) tick(30);
    expect(Math.max(...probed.map((round) => round.length))).toBe(3);
    expect(new Set(probed.flat()).size).toBe(3000);
    expect(probed.flat()).toHaveLength(3000);
  });

  it('gives a new connection its first probe about one interval after it joins, and spreads a burst over every slice', async () => {
    const connections = serverEnds(400);
    heartbeat = new Heartbeat(200); // 10 slices of 20 ms
    heartbeat.add(connections[0]!);
    for (let i = 0; i < 9; i++) tick(20);
    expect(probed.flat()).toEqual([]);
    tick(20);
    expect(probed.flat()).toEqual([connections[0]]);
    for (const connection of connections.slice(1, 100)) heartbeat.add(connection);
    tick(20);
    for (const connection of connections.slice(100)) heartbeat.add(connection);
    for (let i = 0; i < 10; i++) tick(20);
    // After the burst, every slice holds 40 connections: no tick probes the burst alone.
    expect(probed.slice(11, 21).map((round) => round.length)).toEqual(Array.from({ length: 10 }, () => 40));
  });

  it('stops probing a deleted connection and runs no timer without connections', async () => {
    const [kept, deleted] = serverEnds(2);
    heartbeat = new Heartbeat(40); // 2 slices
    heartbeat.add(kept!);
    heartbeat.add(deleted!);
    heartbeat.delete(deleted!);
    tick(40);
    expect(probed.flat()).toEqual([kept]);
    heartbeat.delete(kept!);
    expect(vi.getTimerCount()).toBe(0);
    heartbeat.add(kept!);
    expect(vi.getTimerCount()).toBe(1);
  });
});
