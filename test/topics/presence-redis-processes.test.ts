// Presence across real app processes (test/fixtures/presence-redis-node.ts) on a real redis-server
// and a 3-master Redis Cluster: what each process's presence subscribers see, over the wire.
import { expect, it } from 'vitest';
import { describeNeeding, redisCli, redisServer } from '../helpers/external-programs.js';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { RedisServer } from '../helpers/redis-server.js';
import { delay, until } from '../helpers/server.js';
import { metasByKey, PresenceApp } from './presence-app-process.js';

const LEASE = 1500;
// What a loaded 2-core machine may add to a bound (late timers, tsx processes).
const SLACK = 2500;

async function apps(redis: Record<string, string>, count = 3): Promise<PresenceApp[]> {
  return Promise.all(Array.from({ length: count }, () => PresenceApp.start({ ...redis, PRESENCE_LEASE: String(LEASE), PRESENCE_GRACE: '0' })));
}

function scenarios(redisEnv: () => Promise<Record<string, string>>): void {
  it('joins and leaves reach every process\'s subscribers; two tabs of one user in two processes are one member', async () => {
    const processes = await apps(await redisEnv());
    const watchers = await Promise.all(processes.map((app) => app.watch()));
    const tab1 = await processes[0]!.tab('alice', 'tab 1');
    const tab2 = await processes[1]!.tab('alice', 'tab 2');
    await processes[2]!.tab('bob', 'phone');
    const expected = { alice: ['"tab 1"', '"tab 2"'], bob: ['"phone"'] };
    for (const watcher of watchers) await until(() => JSON.stringify(metasByKey(watcher.list.members)) === JSON.stringify(expected), 10_000, 'every member in every process');
    for (const app of processes) expect(metasByKey(await app.presence())).toEqual(expected);

    tab1.ws.close();
    for (const watcher of watchers) await until(() => watcher.list.members.alice?.length === 1, 10_000, 'her first tab gone');
    tab2.ws.close();
    for (const watcher of watchers) await until(() => watcher.keys.join() === 'bob', 10_000, 'alice gone');
    for (const watcher of watchers) {
      const alice = watcher.changes.filter(({ key }) => key === 'alice').map(({ type }) => type);
      // One join, one leave: her tabs in two processes never made her flap.
      expect(alice[0]).toBe('join');
      expect(alice.at(-1)).toBe('leave');
      expect(alice.filter((type) => type !== 'update')).toEqual(['join', 'leave']);
    }
  });

  it('a SIGKILLed process\'s members leave every other process\'s subscribers within 1.2 × the lease', async () => {
    const processes = await apps(await redisEnv());
    const watchers = await Promise.all(processes.slice(1).map((app) => app.watch()));
    await processes[0]!.tab('carol');
    await processes[0]!.tab('dave');
    await processes[1]!.tab('erin');
    for (const watcher of watchers) await until(() => watcher.keys.join() === 'carol,dave,erin', 10_000, 'every member');
    const killed = Date.now();
    await processes[0]!.kill();
    for (const watcher of watchers) await until(() => watcher.keys.join() === 'erin', 1.2 * LEASE + SLACK, 'carol and dave leave');
    expect(Date.now() - killed).toBeLessThan(1.2 * LEASE + SLACK);
    for (const watcher of watchers) expect(watcher.changes.filter(({ type }) => type === 'leave').map(({ key }) => key).sort()).toEqual(['carol', 'dave']);
  });
}

describeNeeding('presence across app processes through Redis', { needs: [redisServer], timeout: 90_000 }, () => {
  scenarios(async () => ({ REDIS_URL: (await RedisServer.start()).url }));

  it('keeps every process\'s view while Redis is down, and converges when it restarts', async () => {
    const redis = await RedisServer.start();
    const processes = await apps({ REDIS_URL: redis.url });
    const watchers = await Promise.all(processes.map((app) => app.watch()));
    await processes[0]!.tab('alice');
    const bob = await processes[1]!.tab('bob');
    for (const watcher of watchers) await until(() => watcher.keys.join() === 'alice,bob', 10_000, 'alice and bob');

    await redis.stop();
    // While Redis is down: carol joins in process 2, bob leaves process 1; each sees its own at once,
    // and nobody loses the others.
    await processes[2]!.tab('carol');
    bob.ws.close();
    await until(() => watchers[2]!.keys.join() === 'alice,bob,carol', 10_000, 'carol, locally');
    await until(() => watchers[1]!.keys.join() === 'alice', 10_000, 'bob gone, locally');
    expect(watchers[0]!.keys).toEqual(['alice', 'bob']);

    await redis.restart();
    for (const watcher of watchers) await until(() => watcher.keys.join() === 'alice,carol', 2 * LEASE + SLACK, 'the same members everywhere');
    for (const app of processes) expect(Object.keys(await app.presence()).sort()).toEqual(['alice', 'carol']);
    // alice, in Redis all along for her process, never left anyone's list.
    for (const watcher of watchers) expect(watcher.changes.filter(({ key }) => key === 'alice').map(({ type }) => type)).toEqual(['join']);
  });

  it('a subscriber that comes during a burst of joins in two processes sees each member exactly once', async () => {
    const processes = await apps({ REDIS_URL: (await RedisServer.start()).url });
    const users = Array.from({ length: 300 }, (_, index) => `user${String(index).padStart(3, '0')}`);
    // In waves of 20 (half in each process), each after the previous is tracked: a burst that lasts.
    const burst = (async () => {
      for (let wave = 0; wave < users.length; wave += 20) await Promise.all(users.slice(wave, wave + 20).map((user, index) => processes[index % 2]!.tab(user)));
    })();
    // Mid-burst: once some are listed, while the rest are being tracked (and sent to Redis).
    for (;;) {
      const listed = Object.keys(await processes[2]!.presence()).length;
      if (listed >= 20) break;
      await delay(5);
    }
    const watcher = await processes[2]!.watch();
    await burst;
    await until(() => watcher.frames.length > 0, 10_000, 'the state');
    const state = watcher.frames[0]!;
    expect(state.kind).toBe('state');
    expect(Object.keys(state.kind === 'state' ? state.members : {}).length).toBeLessThan(users.length);
    await until(() => watcher.keys.length === users.length, 15_000, 'every member');
    expect(watcher.keys).toEqual(users);
    for (const user of users) expect(watcher.changes.filter(({ key }) => key === user).map(({ type }) => type)).toEqual(['join']);
    for (const metas of Object.values(watcher.list.members)) expect(metas).toHaveLength(1);
  });
});

describeNeeding('presence across app processes through a Redis Cluster', { needs: [redisServer, redisCli], timeout: 120_000 }, () => {
  scenarios(async () => ({ REDIS_CLUSTER: (await RedisCluster.start()).urls.join(',') }));
});
