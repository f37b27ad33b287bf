// The index of topics: named channels over the core's Connection, with pluggable backends (the
// Redis one, in redis/, is its own entry point: upsocket/redis).
export { type TopicBackend, type TopicListener } from './backend.js';
export { createMemoryBackend } from './memory-backend.js';
export { PreparedMessage } from './prepared-message.js';
export { createTopics, Topics, type TopicsOptions } from './topics.js';
