// The Redis resume scenario of issue 14, shared by the one-server and the cluster suites: a client
// drops for 2 s while a third process publishes 100 messages through a second app process, and
// resumes on that second process with every message once, in order.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { onCleanup } from '../helpers/cleanup.js';
import { TestClient } from '../helpers/ws-client.js';
import { expectDropAndResume } from './history-server.js';

const fixtures = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/**
 * A second app process (test/fixtures/topics-history-node.ts: history of 1000, envelope on),
 * stopped after the test; `env` tells it where Redis is: REDIS_URL or REDIS_CLUSTER. `join`
 * subscribes to a topic there, resuming from `since` when given.
 */
export async function startAppProcess(env: Record<string, string>): Promise<{ port: number; join: (topic: string, since?: string) => Promise<TestClient> }> {
  const app = fork(fixtures('topics-history-node.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup(async () => {
    if (app.exitCode !== null) return;
    const exited = once(app, 'exit');
    app.send('exit');
    await exited;
  });
  const [{ port }] = (await once(app, 'message')) as [{ port: number }];
  const join = (topic: string, since?: string): Promise<TestClient> => {
    const query = since === undefined ? '' : `?${new URLSearchParams({ 'upsocket-resume': JSON.stringify({ [topic]: since }) })}`;
    return TestClient.connect(`ws://127.0.0.1:${port}/sub/${encodeURIComponent(topic)}${query}`);
  };
  return { port, join };
}

/** `join` connects to this process's history server; `env` as for `startAppProcess()`. */
export async function expectResumeOnAnotherProcess(join: (topic: string) => Promise<TestClient>, env: Record<string, string>): Promise<void> {
  const app = await startAppProcess(env);
  await expectDropAndResume(join, `ws://127.0.0.1:${app.port}/pub/room`, (lastId) => app.join('room', lastId));
}
