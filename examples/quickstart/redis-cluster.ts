import { createTopics } from 'upsocket';
import { createRedisBackend } from 'upsocket/redis';

const topics = createTopics({
  backend: createRedisBackend({ cluster: { nodes: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7000', 'redis://10.0.0.3:7000'] } }),
  history: { maxMessages: 1000 },
});
