import { expect, it } from 'vitest';
import { describeNeeding, redisCli, redisServer } from '../helpers/external-programs.js';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { RedisServer } from '../helpers/redis-server.js';
import { delay } from '../helpers/server.js';
import { joins, PresenceProcess, stateView } from './presence-backend-process.js';

// The lease of these tests' processes: a SIGKILLed one is removed within 1.2 × this.
const LEASE = 1500;
// What a loaded 2-core machine may add to that bound (timers late, IPC, tsx processes).
const SLACK = 2500;

type Where = { env: Record<string, string>; keys: () => Promise<string[]> };

async function singleServer(): Promise<Where> {
  const redis = await RedisServer.start();
  return { env: { REDIS_URL: redis.url }, keys: async () => (await redis.command('KEYS', '*presence:*')) as string[] };
}

async function cluster(): Promise<Where> {
  const nodes = await RedisCluster.start();
  return {
    env: { REDIS_CLUSTER: nodes.urls.join(',') },
    keys: async () => (await Promise.all(nodes.nodes.map((node) => node.command('KEYS', '*presence:*') as Promise<string[]>))).flat(),
  };
}

function scenarios(where: () => Promise<Where>): void {
  it('shows every process the others\' entries: changes to listeners, whole processes to state()', async () => {
    const { env } = await where();
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((id) => PresenceProcess.start(id, env, LEASE)));
    // Topics that land on different shards of a cluster.
    const topics = ['room:lobby', 'room:kitchen', 'doc:{42}:cursor'];
    for (const topic of topics) await Promise.all([b!.listen(topic), c!.listen(topic)]);
    for (const topic of topics) {
      expect((await a!.publish(topic, joins('A', 1, ['alice', 'A.1', { tab: 1 }], ['alice', 'A.2', { tab: 2 }]))).ok).toBe(true);
      expect((await b!.publish(topic, joins('B', 1, ['bob', 'B.1']))).ok).toBe(true);
      expect((await a!.publish(topic, { process: 'A', seq: 2, joins: [], leaves: [{ key: 'alice', ref: 'A.2' }] })).ok).toBe(true);
    }
    for (const topic of topics) {
      await c!.untilView(topic, { A: ['A.1'], B: ['B.1'] });
      // Never its own changes back.
      await b!.untilView(topic, { A: ['A.1'] });
      expect(stateView(await c!.state(topic))).toEqual({ A: ['A.1'], B: ['B.1'] });
      const [fromA] = (await c!.state(topic)).filter(({ process }) => process === 'A');
      // Seqs as listeners see them: generation (1) × 2^32 + the seq the process gave.
      expect(fromA).toEqual({ process: 'A', seq: 2 ** 32 + 2, entries: [{ key: 'alice', ref: 'A.1', meta: { tab: 1 } }] });
    }
    // No change reached C twice (a process's first write of a topic may come whole, as a sync).
    const changes = c!.events.filter(([, event]) => 'joins' in event).map(([topic, { process, seq }]) => `${topic} ${process}.${seq - 2 ** 32}`);
    expect(new Set(changes).size).toBe(changes.length);
    expect(changes).toContain('room:lobby A.2');
  });

  it('removes a SIGKILLed process\'s entries within 1.2 × the lease, telling every listener, and leaves nothing of it in Redis', async () => {
    const { env, keys } = await where();
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((id) => PresenceProcess.start(id, env, LEASE)));
    for (const topic of ['room:lobby', 'room:kitchen']) {
      await Promise.all([b!.listen(topic), c!.listen(topic)]);
      expect((await a!.publish(topic, joins('A', 1, ['alice', 'A.1']))).ok).toBe(true);
      expect((await c!.publish(topic, joins('C', 1, ['carol', 'C.1']))).ok).toBe(true);
      await b!.untilView(topic, { A: ['A.1'], C: ['C.1'] });
    }
    const killed = Date.now();
    await a!.kill();
    await Promise.all(['room:lobby', 'room:kitchen'].flatMap((topic) => [b!.untilView(topic, { C: ['C.1'] }, 1.2 * LEASE + SLACK), c!.untilView(topic, {}, 1.2 * LEASE + SLACK)]));
    const removedAfter = Date.now() - killed;
    expect(removedAfter).toBeLessThan(1.2 * LEASE + SLACK);
    // The leave is the contract's { process, seq, entries: [] }, newer than A's last change.
    expect(b!.events).toContainEqual(['room:lobby', { process: 'A', seq: 2 ** 32 + 2, entries: [] }]);
    expect((await keys()).filter((key) => key.includes(':e:A') || key.endsWith(':A'))).toEqual([]);
    expect(stateView(await b!.state('room:lobby'))).toEqual({ C: ['C.1'] });
  });

  it("keeps a closing process's leaves with a grace in state() until it ends, for a later reader, then nothing of them in Redis", async () => {
    const { env, keys } = await where();
    const [a, b] = await Promise.all(['A', 'B'].map((id) => PresenceProcess.start(id, env, LEASE)));
    const grace = 2000;
    await a!.publish('room', joins('A', 1, ['alice', 'A.1', { tab: 1 }], ['bob', 'A.2']));
    // A closes (topics.close()): alice's connection closed within the grace, so her leave was held back; bob leaves at once.
    expect((await a!.publish('room', { process: 'A', seq: 2, joins: [], leaves: [{ key: 'alice', ref: 'A.1', grace }, { key: 'bob', ref: 'A.2' }] })).ok).toBe(true);
    const published = Date.now();
    await a!.exit();
    // B reads the topic only now: alice is listed, leaving when her grace ends (at A's last seq, so a listener that saw it ignores it).
    const state = await b!.state('room');
    expect(state).toEqual([{ process: 'A', seq: 2 ** 32 + 2, entries: [{ key: 'alice', ref: 'A.1', meta: { tab: 1 } }], leaving: [{ key: 'alice', ref: 'A.1', grace: expect.any(Number) }] }]);
    const left = state[0]!.leaving![0]!.grace!;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(grace);
    // Of the topic, only the held hash is left, expiring with her grace.
    expect((await keys()).filter((key) => key.includes('{room}'))).toEqual(['upsocket:presence:{room}:h']);

    await delay(published + grace + 50 - Date.now());
    expect(await b!.state('room')).toEqual([]);
    expect((await keys()).filter((key) => key.includes('{room}'))).toEqual([]);
  });
}

/** A in `room` (alice), B listening to it and seeing her, on a Redis server of their own. */
async function aliceInA(): Promise<{ redis: RedisServer; a: PresenceProcess; b: PresenceProcess }> {
  const redis = await RedisServer.start();
  const [a, b] = await Promise.all(['A', 'B'].map((id) => PresenceProcess.start(id, { REDIS_URL: redis.url }, LEASE)));
  await b!.listen('room');
  await a!.publish('room', joins('A', 1, ['alice', 'A.1']));
  await b!.untilView('room', { A: ['A.1'] });
  return { redis, a: a!, b: b! };
}

describeNeeding('presence across processes through Redis (backend)', { needs: [redisServer], timeout: 60_000 }, () => {
  scenarios(singleServer);

  it('writes every process\'s entries again after Redis restarts; a process that died meanwhile leaves a lease later, the others never', async () => {
    const redis = await RedisServer.start();
    const env = { REDIS_URL: redis.url };
    const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((id) => PresenceProcess.start(id, env, LEASE)));
    await c!.listen('room');
    await a!.publish('room', joins('A', 1, ['alice', 'A.1']));
    await b!.publish('room', joins('B', 1, ['bob', 'B.1']));
    await c!.untilView('room', { A: ['A.1'], B: ['B.1'] });

    await redis.stop();
    // During the outage: A changes (Redis cannot take it: the change is kept), B dies.
    const during = await a!.publish('room', { process: 'A', seq: 2, joins: [{ key: 'anna', ref: 'A.2', meta: null }], leaves: [{ key: 'alice', ref: 'A.1' }] });
    expect(during).toMatchObject({ ok: false, code: 'UPSOCKET_BACKEND_UNAVAILABLE' });
    await b!.kill();
    // C keeps its last view while Redis is away.
    await delay(LEASE);
    expect(c!.view('room')).toEqual({ A: ['A.1'], B: ['B.1'] });

    await redis.restart();
    await c!.untilView('room', { A: ['A.2'], B: ['B.1'] });
    await c!.untilView('room', { A: ['A.2'] }, 2 * LEASE + SLACK);
    expect(stateView(await c!.state('room'))).toEqual({ A: ['A.2'] });
    // A was never removed from C's view: no sync with no entries for it.
    expect(c!.events.filter(([, event]) => event.process === 'A' && 'entries' in event && event.entries.length === 0)).toEqual([]);
  });

  it('a process that stopped running past its lease is removed, and writes its entries again under a new generation when it runs again', async () => {
    const { redis, a, b } = await aliceInA();

    a.signal('SIGSTOP');
    await b.untilView('room', {}, 1.2 * LEASE + SLACK);
    a.signal('SIGCONT');
    // Its next renewal finds the lease gone: a new generation, its entries written whole.
    await b.untilView('room', { A: ['A.1'] }, LEASE + SLACK);
    expect(await redis.command('HGET', 'upsocket:presence:{leases}:g', 'A')).toBe('2');
    expect(await redis.command('HGET', 'upsocket:presence:{room}:s', 'A')).toBe('2:1');
  });

  it('a process that leaves a topic takes it off its list for the sweep', async () => {
    const { redis, a, b } = await aliceInA();
    await a.publish('hall', joins('A', 2, ['alice', 'A.2']));
    expect(((await redis.command('SMEMBERS', 'upsocket:presence:topics:1:A')) as string[]).sort()).toEqual(['hall', 'room']);
    await a.publish('room', { process: 'A', seq: 3, joins: [], leaves: [{ key: 'alice', ref: 'A.1' }] });
    await b.untilView('room', {});
    // Taken off once Redis took the leave: by the time B saw it, the SREM is on its way.
    const deadline = Date.now() + 5000;
    while (((await redis.command('SMEMBERS', 'upsocket:presence:topics:1:A')) as string[]).join() !== 'hall') {
      expect(Date.now()).toBeLessThan(deadline);
      await delay(20);
    }
  });

  it('a process that closes removes its entries and its lease, telling the listeners', async () => {
    const { redis, a, b } = await aliceInA();
    await a.exit();
    await b.untilView('room', {}, 1000);
    expect(await redis.command('KEYS', '*presence:*')).toEqual(expect.not.arrayContaining([expect.stringContaining('A')]));
    expect(await redis.command('ZSCORE', 'upsocket:presence:{leases}', 'A')).toBeNull();
  });
});

describeNeeding('presence across processes through a Redis Cluster (backend)', { needs: [redisServer, redisCli], timeout: 90_000 }, () => {
  scenarios(cluster);

  it("converges after the node that owns a topic's slot restarts without its data: the change it could not take is written whole", async () => {
    const nodes = await RedisCluster.start();
    const env = { REDIS_CLUSTER: nodes.urls.join(',') };
    const [a, b] = await Promise.all(['A', 'B'].map((id) => PresenceProcess.start(id, env, LEASE)));
    await b!.listen('room');
    await a!.publish('room', joins('A', 1, ['alice', 'A.1']));
    await b!.untilView('room', { A: ['A.1'] });

    const owner = nodes.nodes[await nodes.ownerOf('upsocket:presence:{room}:s')]!;
    await owner.stop();
    const during = await a!.publish('room', { process: 'A', seq: 2, joins: [{ key: 'anna', ref: 'A.2', meta: null }], leaves: [{ key: 'alice', ref: 'A.1' }] });
    expect(during).toMatchObject({ ok: false, code: 'UPSOCKET_BACKEND_UNAVAILABLE' });
    expect(b!.view('room')).toEqual({ A: ['A.1'] });
    await owner.restart();
    await b!.untilView('room', { A: ['A.2'] }, 20_000);
    expect(stateView(await b!.state('room'))).toEqual({ A: ['A.2'] });
  });
});
