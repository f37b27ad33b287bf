// The resume guarantee end to end, memory backend: a client that drops for 2 s while another
// process publishes receives every message exactly once, in order, after it resumes with `since`.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTopics } from '../../src/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { delay } from '../helpers/server.js';
import { expectAllAfterResume, nextEnvelope, startHistoryServer, type Enveloped } from './history-server.js';

const publisherScript = fileURLToPath(new URL('../fixtures/topics-publisher.ts', import.meta.url));

describe('resuming after a dropped connection (memory backend)', () => {
  it('gets all 100 messages published by another process while it was away, once each and in order', async () => {
    const topics = createTopics({ history: { maxMessages: 1000 }, envelope: true });
    const { join, wsUrl } = await startHistoryServer(topics);
    let client = await join('room');
    expect(await nextEnvelope(client)).toEqual({ topic: 'room' });

    // 100 messages over about 2.5 s from another process, through the server's publish route.
    const publisher = fork(publisherScript, [`${wsUrl}/pub/room`, '100', '25'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    onCleanup(() => publisher.exitCode === null && publisher.kill('SIGKILL'));
    const exited = once(publisher, 'exit');

    const received: Enveloped[] = [];
    while (received.length < 5) received.push(await nextEnvelope(client));
    // The network drops; for two seconds nobody is subscribed while the publisher goes on.
    client.ws.terminate();
    await delay(2000);
    client = await join('room', received.at(-1)!.id);
    await expectAllAfterResume(client, received, 100);
    expect(await exited).toEqual([0, null]);
  });
});
