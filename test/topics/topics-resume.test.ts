// The resume guarantee end to end, memory backend: a client that drops for 2 s while another
// process publishes receives every message exactly once, in order, after it resumes with `since`.
import { describe, it } from 'vitest';
import { createTopics } from '../../src/index.js';
import { expectDropAndResume, startHistoryServer } from './history-server.js';

describe('resuming after a dropped connection (memory backend)', () => {
  it('gets all 100 messages published by another process while it was away, once each and in order', async () => {
    const topics = createTopics({ history: { maxMessages: 1000 }, envelope: true });
    const { join, wsUrl } = await startHistoryServer(topics);
    await expectDropAndResume(join, `${wsUrl}/pub/room`, (lastId) => join('room', lastId));
  });
});
