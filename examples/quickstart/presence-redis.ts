import { createTopics } from 'upsocket';
import { createRedisBackend } from 'upsocket/redis';

// Members of a process that dies without closing are gone everywhere within 6 s (5 s lease + 1 s sweep).
const topics = createTopics({ backend: createRedisBackend({ url: process.env.REDIS_URL, presenceLease: 5000 }) });
