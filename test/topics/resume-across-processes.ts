// The Redis resume scenario of issue 14, shared by the one-server and the cluster suites: a client
// drops for 2 s while a third process publishes 100 messages through a second app process, and
// resumes on that second process with every message once, in order.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { onCleanup } from '../helpers/cleanup.js';
import { delay } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { expectAllAfterResume, nextEnvelope, type Enveloped } from './history-server.js';

const fixtures = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/**
 * `join` connects to this process's history server; `env` tells the second app process
 * (test/fixtures/topics-history-node.ts) where Redis is: REDIS_URL or REDIS_CLUSTER.
 */
export async function expectResumeOnAnotherProcess(join: (topic: string) => Promise<TestClient>, env: Record<string, string>): Promise<void> {
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

  let client = await join('room');
  expect(await nextEnvelope(client)).toEqual({ topic: 'room' });
  const publisher = fork(fixtures('topics-publisher.ts'), [`ws://127.0.0.1:${port}/pub/room`, '100', '25'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  onCleanup(() => publisher.exitCode === null && publisher.kill('SIGKILL'));
  const published = once(publisher, 'exit');

  const received: Enveloped[] = [];
  while (received.length < 5) received.push(await nextEnvelope(client));
  client.ws.terminate();
  await delay(2000);
  const query = new URLSearchParams({ 'upsocket-resume': JSON.stringify({ room: received.at(-1)!.id }) });
  client = await TestClient.connect(`ws://127.0.0.1:${port}/sub/room?${query}`);
  await expectAllAfterResume(client, received, 100);
  expect(await published).toEqual([0, null]);
}
