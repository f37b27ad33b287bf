// Presence through a deploy's drain, with real app processes (test/fixtures/presence-redis-node.ts)
// on a real redis-server and a 3-master Redis Cluster: a process closes its connections (their
// leaves held for the grace), then its topics; its members move to a process whose first presence
// subscriber of the topic comes only after that (issue 26, bench/deploy/presence-flap-repro.ts).
import { expect, it } from 'vitest';
import { PresenceList, type PresenceChangeOf } from '../../src/wire/index.js';
import { describeNeeding, redisCli, redisServer } from '../helpers/external-programs.js';
import type { PresenceWatcher } from '../helpers/presence-server.js';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/server.js';
import { metasByKey, PresenceApp } from './presence-app-process.js';

const LEASE = 1500;
// Long enough for a subscriber and a member to move on a loaded 2-core machine (checked below).
const GRACE = 6000;
// What a loaded machine may add to the grace before the held metas leave (late timers, IPC).
const SLACK = 2500;

async function apps(redis: Record<string, string>, count: number): Promise<PresenceApp[]> {
  return Promise.all(Array.from({ length: count }, () => PresenceApp.start({ ...redis, PRESENCE_LEASE: String(LEASE), PRESENCE_GRACE: String(GRACE) })));
}

/** What one subscriber heard across its connections, as a client that resyncs from each new state (the browser's and Node's clients do). */
function heardAcross(...watchers: PresenceWatcher[]): PresenceChangeOf[] {
  const list = new PresenceList();
  return watchers.flatMap(({ frames }) => frames.flatMap((frame) => (frame.kind === 'state' ? list.state(frame.members) : list.diff(frame.joins, frame.leaves))));
}

function typesOf(changes: PresenceChangeOf[], key: string): string[] {
  return changes.filter((change) => change.key === key).map(({ type }) => type);
}

/** A drains (`atOnce`: its topics close while its connections are closing); alice and bob, a subscriber, move to B, whose first presence subscriber bob is. */
async function moveWithinGrace(redis: Record<string, string>, atOnce: boolean): Promise<void> {
  const [a, b, c] = await apps(redis, 3);
  // C listened all along; bob watches from A, then moves to B, which has no presence subscriber yet.
  const early = await c!.watch();
  await a!.tab('alice', 'on A');
  const bobOnA = await a!.watch({ user: 'bob', meta: 'on A' });
  for (const watcher of [early, bobOnA]) await until(() => watcher.keys.join() === 'alice,bob', 10_000, 'alice and bob');

  const drained = Date.now();
  await a!.drain(atOnce);
  const bobOnB = await b!.watch({ user: 'bob', meta: 'on B' });
  await until(() => bobOnB.frames.length > 0, 10_000, "B's state");
  // B read the state after A closed: A's held metas are in it.
  const state = bobOnB.frames[0]!;
  expect(state.kind === 'state' && metasByKey(state.members)).toMatchObject({ alice: ['"on A"'], bob: expect.arrayContaining(['"on A"']) });
  await b!.tab('alice', 'on B');
  const moved = { alice: ['"on A"', '"on B"'], bob: ['"on A"', '"on B"'] };
  for (const watcher of [early, bobOnB]) await until(() => JSON.stringify(metasByKey(watcher.list.members)) === JSON.stringify(moved), 10_000, 'both metas of each');
  // Otherwise the grace ended before they moved, and this test proves nothing.
  expect(Date.now() - drained).toBeLessThan(GRACE);

  // The grace ends: A's metas leave, which is an update for members with a meta on B.
  const after = { alice: ['"on B"'], bob: ['"on B"'] };
  for (const watcher of [early, bobOnB]) await until(() => JSON.stringify(metasByKey(watcher.list.members)) === JSON.stringify(after), GRACE + SLACK, "A's metas gone");
  expect(Date.now() - drained).toBeGreaterThanOrEqual(GRACE - 100);
  for (const changes of [early.changes, heardAcross(bobOnA, bobOnB)]) {
    for (const key of ['alice', 'bob']) expect(typesOf(changes, key).filter((type) => type !== 'update')).toEqual(['join']);
  }
}

function scenarios(redisEnv: () => Promise<Record<string, string>>): void {
  it('a member that moves within the grace is an update, also for a process whose first subscriber comes after the old one closed', async () => {
    await moveWithinGrace(await redisEnv(), false);
  });
}

describeNeeding('presence through a drain, across app processes through Redis', { needs: [redisServer], timeout: 90_000 }, () => {
  scenarios(async () => ({ REDIS_URL: (await RedisServer.start()).url }));

  it('the same when the old process closes its topics while its connections are still closing', async () => {
    await moveWithinGrace({ REDIS_URL: (await RedisServer.start()).url }, true);
  });

  it('after the grace with no rejoin: one leave for every subscriber, a later reader lists nobody, nothing of the closed process stays in Redis', async () => {
    const redis = await RedisServer.start();
    const [a, b, c, d] = await apps({ REDIS_URL: redis.url }, 4);
    const early = await c!.watch();
    await a!.tab('alice');
    await until(() => early.keys.join() === 'alice', 10_000, 'alice');
    const processOfA = early.list.members.alice![0]!.ref.split('.')[0]!;

    const drained = Date.now();
    await a!.drain();
    const fresh = await b!.watch();
    await until(() => fresh.frames.length > 0, 10_000, "B's state");
    expect(fresh.keys).toEqual(['alice']);
    // A reader with no subscriber of its own reads Redis: alice is listed until her grace ends.
    expect(Object.keys(await d!.presence())).toEqual(['alice']);
    expect(Date.now() - drained).toBeLessThan(GRACE);

    for (const watcher of [early, fresh]) await until(() => watcher.keys.length === 0, GRACE + SLACK, 'alice gone');
    expect(Date.now() - drained).toBeGreaterThanOrEqual(GRACE - 100);
    expect(await d!.presence()).toEqual({});
    expect(typesOf(early.changes, 'alice')).toEqual(['join', 'leave']);
    expect(typesOf(fresh.changes, 'alice')).toEqual(['join', 'leave']);
    // Nothing of the room is left (no one else is in it), nor A's lease.
    const keys = async (): Promise<string[]> => ((await redis.command('KEYS', '*presence:*')) as string[]).sort();
    expect(await keys()).toEqual(['upsocket:presence:{leases}', 'upsocket:presence:{leases}:g']);
    expect(await redis.command('ZRANGE', 'upsocket:presence:{leases}', '0', '-1')).not.toContain(processOfA);
    expect(((await redis.command('ZRANGE', 'upsocket:presence:{leases}', '0', '-1')) as string[]).length).toBe(3);
  });
});

describeNeeding('presence through a drain, across app processes through a Redis Cluster', { needs: [redisServer, redisCli], timeout: 120_000 }, () => {
  scenarios(async () => ({ REDIS_CLUSTER: (await RedisCluster.start()).urls.join(',') }));
});
