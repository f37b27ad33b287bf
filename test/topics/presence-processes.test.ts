// Presence between "processes": several Topics, each behind its own real server, sharing presence
// through a bus that keeps the PresenceBackend contract (test/helpers/presence-bus.ts), so the
// Topics side of the contract is tested here without Redis: remote joins, updates and leaves; the
// seam between state() and the events that arrive while it runs; a member moving to another
// process without a leave; a lapsed lease.
import { describe, expect, it } from 'vitest';
import { PresenceBus } from '../helpers/presence-bus.js';
import { presenceServer, PresenceWatcher } from '../helpers/presence-server.js';
import { until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

async function twoProcesses(presence: { interval: number; grace: number }) {
  const bus = new PresenceBus();
  const a = await presenceServer({ presence, backend: bus.backend() });
  const b = await presenceServer({ presence, backend: bus.backend() });
  return { bus, a, b };
}

describe('presence across processes (the backend contract, on a test bus)', () => {
  it("shows a subscriber in one process the other's joins, updates and leaves", async () => {
    const { a, b } = await twoProcesses({ interval: 20, grace: 0 });
    const watcher = await PresenceWatcher.connect(b.url({ watch: '1' }));
    await until(() => watcher.frames.length === 1, 5000, 'the state');
    const alice = await TestClient.connect(a.url({ user: 'alice', meta: '1' }));
    await until(() => watcher.keys.includes('alice'), 5000, 'alice joins');
    alice.ws.send('update:2');
    await until(() => watcher.list.members.alice?.[0]?.meta === 2, 5000, 'alice updates');
    alice.ws.close();
    await until(() => watcher.keys.length === 0, 5000, 'alice leaves');
    expect(watcher.changes.map(({ type, key }) => `${type} ${key}`)).toEqual(['join alice', 'update alice', 'leave alice']);
  });

  it('holds the events that arrive while state() runs and applies the newer ones after it: nothing lost or doubled', async () => {
    const { bus, a, b } = await twoProcesses({ interval: 20, grace: 0 });
    const early = await Promise.all(['u1', 'u2', 'u3'].map((user) => TestClient.connect(a.url({ user }))));
    await until(() => a.trackings.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 100)); // A's window reaches the bus
    let open!: () => void;
    bus.stateGate = new Promise((resolve) => (open = resolve));
    const watcher = await PresenceWatcher.connect(b.url({ watch: '1' }));
    // While B's state() is held: one member leaves, two join.
    early[0]!.ws.send('untrack');
    await Promise.all(['u4', 'u5'].map((user) => TestClient.connect(a.url({ user }))));
    await until(() => a.trackings.length === 5 && !a.trackings[0]!.tracked);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(watcher.frames).toEqual([]);
    open();
    await until(() => watcher.keys.join() === 'u2,u3,u4,u5', 5000, 'the list after the held events');
    expect(watcher.frames[0]).toMatchObject({ kind: 'state' });
    expect(watcher.changes.filter(({ type }) => type === 'leave')).toEqual([]);
    expect(watcher.list.members).toEqual(await a.topics.presence('room'));
  });

  it('a member whose connection moves to another process within the grace never leaves, even when the first process closes its topics', async () => {
    const { a, b } = await twoProcesses({ interval: 20, grace: 3000 });
    const watcher = await PresenceWatcher.connect(b.url({ watch: '1' }));
    const onA = await TestClient.connect(a.url({ user: 'alice', meta: '"on a"' }));
    await until(() => watcher.keys.includes('alice'), 5000, 'alice joins');
    // A deploy: A drops her and closes its topics; she reconnects to B.
    onA.ws.close();
    await until(() => a.connections.size === 0, 5000, 'A saw the close');
    await a.topics.close();
    await TestClient.connect(b.url({ user: 'alice', meta: '"on b"' }));
    await until(() => watcher.list.members.alice?.length === 2, 5000, 'her meta on B');
    // A's held leave reaches B with the rest of the grace; then only her meta on B is left.
    await until(() => watcher.list.members.alice?.length === 1, 10_000, 'her meta on A gone after the grace');
    expect(watcher.list.members.alice![0]!.meta).toBe('on b');
    expect(watcher.changes.map(({ type, key }) => `${type} ${key}`)).toEqual(['join alice', 'update alice', 'update alice']);
  }, 30_000);

  it("removes a dead process's members when its lease lapses", async () => {
    const { bus, a, b } = await twoProcesses({ interval: 20, grace: 60_000 });
    const watcher = await PresenceWatcher.connect(b.url({ watch: '1' }));
    await Promise.all(['x', 'y'].map((user) => TestClient.connect(a.url({ user }))));
    await TestClient.connect(b.url({ user: 'z' }));
    await until(() => watcher.keys.join() === 'x,y,z', 5000, 'three members');
    // A ref is `<process>.<n>`.
    bus.kill(a.trackings[0]!.ref.split('.')[0]!);
    await until(() => watcher.keys.join() === 'z', 5000, "A's members gone");
    expect(watcher.changes.filter(({ type }) => type === 'leave').map(({ key }) => key).sort()).toEqual(['x', 'y']);
  });
});
