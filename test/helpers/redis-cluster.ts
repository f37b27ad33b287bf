// A real Redis Cluster of three masters for the cluster tests and the bench's cluster row.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { onCleanup } from './cleanup.js';
import { pathOf, redisCli } from './external-programs.js';
import { freePort, RedisServer } from './redis-server.js';
import { delay } from './server.js';

const run = promisify(execFile);

/**
 * Three `redis-server`s in cluster mode on free loopback ports, their slots split by
 * `redis-cli --cluster create`, no replicas, no persistence; node files in a temporary folder that
 * `stop()` deletes. Tests run it in `describeNeeding(…, { needs: [redisServer, redisCli] })`.
 */
export class RedisCluster {
  readonly nodes: readonly RedisServer[];
  readonly #folder: string;

  private constructor(nodes: RedisServer[], folder: string) {
    this.nodes = nodes;
    this.#folder = folder;
  }

  /** The nodes' URLs, for `createRedisBackend({ cluster: { nodes } })`. */
  get urls(): string[] {
    return this.nodes.map((node) => node.url);
  }

  /** Started for one test, stopped after it. */
  static async start(): Promise<RedisCluster> {
    let started: RedisCluster | undefined;
    onCleanup(() => started?.stop());
    started = await RedisCluster.launch((cluster) => (started = cluster));
    return started;
  }

  /**
   * Outside any test (bench/topics-cluster.ts): the caller stops it. `starting` is handed the
   * cluster before it is formed, so that a failure part way still lets the caller stop it.
   */
  static async launch(starting?: (cluster: RedisCluster) => void): Promise<RedisCluster> {
    // Before anything starts: without redis-cli there is no cluster to make (the bench row says so).
    const cli = pathOf(redisCli);
    const folder = await mkdtemp(path.join(tmpdir(), 'upsocket-redis-cluster-'));
    const cluster = new RedisCluster([], folder);
    starting?.(cluster);
    const nodes = cluster.nodes as RedisServer[];
    for (let index = 0; index < 3; index++) {
      // The bus port is set too: the default, port + 10000, may be taken or past 65535.
      // A try that failed may have left its node file: each try starts from none.
      const file = path.join(folder, `nodes-${index}.conf`);
      const args = async () => {
        await rm(file, { force: true });
        return ['--cluster-enabled', 'yes', '--cluster-config-file', file, '--cluster-port', String(await freePort())];
      };
      nodes.push(await RedisServer.launch(undefined, args));
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await cluster.#untilFormed();
    return cluster;
  }

  /** Until every node says the cluster is ok and knows the other two, or 20 s. */
  async #untilFormed(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const infos = await Promise.all(this.nodes.map((node) => node.command('CLUSTER', 'INFO') as Promise<string>));
      if (infos.every((info) => info.includes('cluster_state:ok') && info.includes('cluster_known_nodes:3'))) return;
      if (Date.now() > deadline) throw new Error(`the Redis cluster did not form within 20 s:\n${infos.join('\n')}`);
      await delay(50);
    }
  }

  /** The hash slot of `key` (CLUSTER KEYSLOT), as Redis computes it. */
  async slotOf(key: string): Promise<number> {
    return (await this.nodes[0]!.command('CLUSTER', 'KEYSLOT', key)) as number;
  }

  /** The shard channels each node has subscribers on (PUBSUB SHARDCHANNELS), in node order. */
  async shardChannels(): Promise<string[][]> {
    return Promise.all(this.nodes.map((node) => node.command('PUBSUB', 'SHARDCHANNELS') as Promise<string[]>));
  }

  /** The index of the node that owns `key`'s slot. */
  async ownerOf(key: string): Promise<number> {
    const slot = await this.slotOf(key);
    const ranges = (await this.nodes[0]!.command('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]]][];
    const owner = ranges.find(([first, last]) => slot >= first && slot <= last);
    if (owner === undefined) throw new Error(`no node owns slot ${slot}`);
    return this.nodes.findIndex((node) => node.port === owner[2][1]);
  }

  /** Stops every node and deletes their files. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
    await rm(this.#folder, { recursive: true, force: true });
  }
}
