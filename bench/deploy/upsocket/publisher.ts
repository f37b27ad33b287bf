// The upsocket publisher of the deploy scenario: topics.publish() over the same Redis backend
// (with history) as the servers, paced by bench/deploy/pace.ts.
import { createTopics } from '../../../src/index.js';
import { createRedisBackend } from '../../../src/topics/redis/index.js';
import { serveRequests } from '../../ipc.js';
import { encodeMessage } from '../contract.js';
import { pacePublishing } from '../pace.js';

const topics = createTopics({
  backend: createRedisBackend({ url: process.env.REDIS_URL }),
  history: { maxMessages: Number(process.env.DEPLOY_HISTORY ?? 1000) },
});
const pacer = pacePublishing(
  (topic, text) => topics.publish(topic, text),
  (topic, seq, at) => encodeMessage({ topic, seq, at }),
);

serveRequests({ start: () => pacer.start(), mark: () => pacer.mark(), stop: () => pacer.stop() }, true);
