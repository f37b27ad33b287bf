// An app process with presence on the Redis backend (test/fixtures/presence-redis-node.ts), killed
// after the test; its connections are real ws clients, its subscribers PresenceWatchers.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { PresenceMembers } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { PresenceWatcher } from '../helpers/presence-server.js';
import { TestClient } from '../helpers/ws-client.js';

const script = fileURLToPath(new URL('../fixtures/presence-redis-node.ts', import.meta.url));

export class PresenceApp {
  readonly port: number;
  readonly #child: ChildProcess;
  #nextId = 1;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
  }

  /** `env`: REDIS_URL or REDIS_CLUSTER, PRESENCE_LEASE, PRESENCE_GRACE. */
  static async start(env: Record<string, string>): Promise<PresenceApp> {
    const child = fork(script, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    onCleanup(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    });
    const [{ port }] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`presence app exited with ${code} before listening`))),
    ])) as [{ port: number }];
    return new PresenceApp(child, port);
  }

  url(query: Record<string, string>): string {
    return `ws://127.0.0.1:${this.port}/?${new URLSearchParams(query)}`;
  }

  /** A connection tracked as `user`, once the app tracked it. */
  async tab(user: string, meta: unknown = null): Promise<TestClient> {
    const client = await TestClient.connect(this.url({ user, meta: JSON.stringify(meta) }));
    onCleanup(() => client.ws.terminate());
    if ((await client.nextText(10_000)) !== 'tracked') throw new Error('not tracked');
    return client;
  }

  /** A presence subscriber of 'room' (also tracked with `user` and `meta`, when given). */
  watch(query: { user?: string; meta?: unknown } = {}): Promise<PresenceWatcher> {
    const tracked = query.user === undefined ? {} : { user: query.user, meta: JSON.stringify(query.meta ?? null) };
    return PresenceWatcher.connect(this.url({ watch: '1', ...tracked }));
  }

  /** topics.presence('room') in the app. */
  presence(topic = 'room'): Promise<PresenceMembers> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: { id?: number; members?: PresenceMembers; code?: string }): void => {
        if (reply.id !== id) return;
        this.#child.off('message', onMessage);
        if (reply.members === undefined) reject(new Error(`presence() failed: ${reply.code}`));
        else resolve(reply.members);
      };
      this.#child.on('message', onMessage);
      this.#child.send({ id, presence: topic });
    });
  }

  /**
   * A deploy's drain: its connections closed with 1012 (their leaves held for the grace), then its
   * topics; it exits. `atOnce`: the topics close without waiting for the connections' closes to finish.
   */
  async drain(atOnce = false): Promise<void> {
    const exited = once(this.#child, 'exit');
    this.#child.send(atOnce ? 'drain at once' : 'drain');
    await exited;
  }

  async kill(): Promise<void> {
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGKILL');
    await exited;
  }
}

/** The members as `{ key: sorted metas }`, refs left out (they differ per connection), for comparisons. */
export function metasByKey(members: PresenceMembers): Record<string, unknown[]> {
  const result: Record<string, unknown[]> = {};
  for (const key of Object.keys(members).sort()) result[key] = members[key]!.map(({ meta }) => JSON.stringify(meta)).sort();
  return result;
}
