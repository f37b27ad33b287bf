// Presence in one process (memory backend) with a real server and real ws clients: joins, leaves
// and updates reach the subscribers as batched diffs after a state, two tabs are one member, a close
// ends the tracking (after the grace, which a re-track of the key cuts short), a burst is a handful
// of frames, and a subscriber that comes during a burst sees each member once.
import { describe, expect, it } from 'vitest';
import { reconnecting, UpsocketError, type PresenceMemberEvent } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { presenceServer, PresenceWatcher } from '../helpers/presence-server.js';
import { until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

const fast = { interval: 20, grace: 0 };

describe('presence', () => {
  it('sends a subscriber the state, then joins, updates and leaves; presence() lists the members', async () => {
    const server = await presenceServer({ presence: fast });
    const bob = await TestClient.connect(server.url({ user: 'bob', meta: '{"name":"Bob"}' }));
    await until(() => server.trackings.length === 1, 5000, 'bob tracked');
    const watcher = await PresenceWatcher.connect(server.url({ watch: '1' }));
    await until(() => watcher.frames.length === 1, 5000, 'the state');
    expect(watcher.frames[0]!.kind).toBe('state');
    expect(watcher.list.members).toEqual({ bob: [{ ref: server.trackings[0]!.ref, meta: { name: 'Bob' } }] });

    const alice = await TestClient.connect(server.url({ user: 'alice', meta: '{"status":"online"}' }));
    await until(() => watcher.changes.some((change) => change.key === 'alice'), 5000, 'alice joins');
    expect(watcher.changes.at(-1)).toMatchObject({ type: 'join', key: 'alice', metas: [{ meta: { status: 'online' } }] });

    alice.ws.send('update:{"status":"away"}');
    await until(() => watcher.changes.length === 3, 5000, 'alice updates');
    expect(watcher.changes.at(-1)).toMatchObject({ type: 'update', key: 'alice', metas: [{ meta: { status: 'away' } }] });
    expect(await server.topics.presence('room')).toEqual(watcher.list.members);

    alice.ws.send('untrack');
    await until(() => watcher.changes.length === 4, 5000, 'alice leaves');
    expect(watcher.changes.at(-1)).toMatchObject({ type: 'leave', key: 'alice', metas: [{ meta: { status: 'away' } }] });
    expect(watcher.keys).toEqual(['bob']);
    expect(Object.keys(await server.topics.presence('room'))).toEqual(['bob']);
    bob.ws.close();
  });

  it('two tabs with one key are one member with two metas; it leaves with its last tab', async () => {
    const server = await presenceServer({ presence: fast });
    const watcher = await PresenceWatcher.connect(server.url({ watch: '1' }));
    const tab1 = await TestClient.connect(server.url({ user: 'alice', meta: '"tab 1"' }));
    await until(() => watcher.keys.length === 1, 5000, 'alice joins');
    const tab2 = await TestClient.connect(server.url({ user: 'alice', meta: '"tab 2"' }));
    await until(() => watcher.list.members.alice?.length === 2, 5000, 'her second tab');
    expect(watcher.changes.map(({ type, key }) => `${type} ${key}`)).toEqual(['join alice', 'update alice']);
    expect(watcher.list.members.alice!.map(({ meta }) => meta).sort()).toEqual(['tab 1', 'tab 2']);

    tab1.ws.close();
    await until(() => watcher.list.members.alice?.length === 1, 5000, 'her first tab gone');
    expect(watcher.changes.at(-1)).toMatchObject({ type: 'update', key: 'alice', metas: [{ meta: 'tab 2' }] });
    tab2.ws.close();
    await until(() => watcher.keys.length === 0, 5000, 'alice leaves');
    expect(watcher.changes.map(({ type }) => type)).toEqual(['join', 'update', 'update', 'leave']);
    expect(server.trackings.every((tracking) => !tracking.tracked)).toBe(true);
  });

  it('a closed connection stays listed for the grace; tracking its key again replaces it in one diff, with no leave', async () => {
    const server = await presenceServer({ presence: { interval: 20, grace: 60_000 } });
    const watcher = await PresenceWatcher.connect(server.url({ watch: '1' }));
    const first = await TestClient.connect(server.url({ user: 'alice', meta: '"before"' }));
    await until(() => watcher.keys.length === 1, 5000, 'alice joins');
    first.ws.close();
    await until(() => server.connections.size === 1, 5000, 'the server saw the close');
    expect(server.trackings[0]!.tracked).toBe(true);
    expect(Object.keys(await server.topics.presence('room'))).toEqual(['alice']);

    const framesBefore = watcher.frames.length;
    await TestClient.connect(server.url({ user: 'alice', meta: '"after"' }));
    await until(() => watcher.list.members.alice?.[0]?.meta === 'after', 5000, 'her new meta');
    expect(watcher.frames.length).toBe(framesBefore + 1);
    const diff = watcher.frames.at(-1)!;
    expect(diff).toMatchObject({ kind: 'diff', leaves: { alice: [{ ref: server.trackings[0]!.ref, meta: 'before' }] }, joins: { alice: [{ ref: server.trackings[1]!.ref, meta: 'after' }] } });
    expect(watcher.changes.map(({ type }) => type)).toEqual(['join', 'update']);
    expect(server.trackings[0]!.tracked).toBe(false);
  });

  it('a burst of 500 tracks in one tick is one diff frame; 500 connections joining are a handful', async () => {
    const server = await presenceServer({ presence: { interval: 100, grace: 0 } });
    const watcher = await PresenceWatcher.connect(server.url({ watch: '1' }));
    await until(() => watcher.frames.length === 1, 5000, 'the state');
    const host = [...server.connections][0]!;
    for (let index = 0; index < 500; index++) server.topics.track(host, 'room', `member ${index}`, { index });
    await until(() => watcher.keys.length === 500, 5000, '500 members');
    expect(watcher.frames.length).toBe(2);

    const clients = await Promise.all(Array.from({ length: 500 }, (_, index) => TestClient.connect(server.url({ user: `client ${index}` }))));
    await until(() => watcher.keys.length === 1000, 15_000, '1000 members');
    // However long the connections took to open, one frame per 100 ms window at most, not one per join.
    expect(watcher.frames.length - 2).toBeLessThan(50);
    expect(watcher.changes.filter(({ type }) => type === 'join')).toHaveLength(1000);
    for (const client of clients) client.ws.close();
    await until(() => watcher.keys.length === 500, 15_000, 'the clients left');
    expect(watcher.frames.length - 2).toBeLessThan(100);
  }, 60_000);

  it('a subscriber that comes during a burst sees each member exactly once, and the same list as the server', async () => {
    const server = await presenceServer({ presence: { interval: 30, grace: 0 } });
    // Watching from the start, so that diffs are being batched when the late one comes.
    const early = await PresenceWatcher.connect(server.url({ watch: '1' }));
    await until(() => early.frames.length === 1, 5000, 'the first state');
    const connecting = Array.from({ length: 300 }, (_, index) => TestClient.connect(server.url({ user: `user ${index % 200}`, meta: String(index) })));
    await until(() => server.trackings.length >= 100, 15_000, 'a third tracked');
    const late = await PresenceWatcher.connect(server.url({ watch: '1' }));
    await Promise.all(connecting);
    await until(() => Object.values(late.list.members).flat().length === 300, 15_000, 'every meta');
    expect(Object.keys(late.list.members)).toHaveLength(200);
    await new Promise((resolve) => setTimeout(resolve, 100)); // a last window, if any
    expect(late.list.members).toEqual(await server.topics.presence('room'));
    expect(early.list.members).toEqual(late.list.members);
    // Every ref came once: in the state or in one diff's joins, never in both, never left.
    const refs = late.frames.flatMap((frame) => Object.values(frame.kind === 'state' ? frame.members : frame.joins).flat().map(({ ref }) => ref));
    expect(refs).toHaveLength(300);
    expect(new Set(refs).size).toBe(300);
    expect(late.frames.every((frame) => frame.kind === 'state' || Object.keys(frame.leaves).length === 0)).toBe(true);
    expect(late.changes.filter(({ type }) => type === 'leave')).toEqual([]);
  }, 60_000);

  it("keeps the Node client's list (reconnecting with resume) in sync across a drop, from the new state", async () => {
    const server = await presenceServer({ presence: { interval: 20, grace: 60_000 } });
    const events: PresenceMemberEvent[] = [];
    const seen: string[] = [];
    const client = reconnecting(server.url({ user: 'alice', watch: '1' }), async (connection) => {
      for await (const message of connection) seen.push(message.text());
    }, { resume: true, initialDelay: 20, maxDelay: 100, jitter: 0, onPresence: (event) => events.push(event) });
    onCleanup(() => client.close());
    const bob = await TestClient.connect(server.url({ user: 'bob' }));
    await until(() => Object.keys(client.presence('room')).length === 2, 5000, 'alice and bob');

    server.down('alice');
    await until(() => client.state !== 'open', 5000, 'the drop');
    bob.ws.send('untrack');
    await TestClient.connect(server.url({ user: 'carol' }));
    await until(() => server.trackings.some((tracking) => tracking.key === 'carol'), 5000, 'carol');
    server.up();
    // The new state, then the diff that replaces her held meta by the new connection's.
    const newest = (): string | undefined => server.trackings.filter((tracking) => tracking.key === 'alice').at(-1)?.ref;
    await until(() => Object.keys(client.presence('room')).sort().join() === 'alice,carol' && client.presence('room').alice?.[0]?.ref === newest(), 10_000, 'the new state');
    expect(client.presence('room')).toEqual(await server.topics.presence('room'));
    const said = events.map(({ change, key }) => `${change} ${key}`);
    expect(said.slice(0, 2)).toEqual(['join alice', 'join bob']);
    // The new state's differences (in no set order), then the diff that replaced her held meta.
    expect(said.slice(2, 4).sort()).toEqual(['join carol', 'leave bob']);
    expect(said.slice(4)).toEqual(['update alice']);
    // The frames were consumed: the handler saw none.
    expect(seen).toEqual([]);
    expect(() => reconnecting(server.url({}), async () => {}, { onPresence: () => {} })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
  });

  it('rejects a bad key or a meta JSON cannot encode, with codes; a closed connection gets a tracking already over', async () => {
    const server = await presenceServer({ presence: fast });
    const client = await TestClient.connect(server.url({}));
    await until(() => server.connections.size === 1);
    const connection = [...server.connections][0]!;
    expect(() => server.topics.track(connection, 'room', '')).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    expect(() => server.topics.track(connection, 'room', 'k', { big: 1n })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_PAYLOAD' }));
    expect(() => server.topics.track(connection, '', 'k')).toThrow(UpsocketError);
    expect(() => server.topics.subscribe(connection, 'room', { presence: 'yes' as never })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    const tracking = server.topics.track(connection, 'room', 'k', { a: 1 });
    expect(() => tracking.update(() => {})).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_PAYLOAD' }));
    expect(tracking.meta).toEqual({ a: 1 });
    tracking.untrack();
    client.ws.close();
    await connection.closed;
    const late = server.topics.track(connection, 'room', 'k');
    expect(late.tracked).toBe(false);
    expect(await server.topics.presence('room')).toEqual({});
    await server.topics.close();
    expect(() => server.topics.track(connection, 'room', 'k')).toThrow(expect.objectContaining({ code: 'UPSOCKET_TOPICS_CLOSED' }));
    expect(() => server.topics.presence('room')).toThrow(expect.objectContaining({ code: 'UPSOCKET_TOPICS_CLOSED' }));
  });
});
