// The index of topics: named channels over the core's Connection, with pluggable backends (the
// Redis one, in redis/, is its own entry point: upsocket/redis).
export { type TopicBackend, type TopicGapListener, type TopicHistoryOptions, type TopicListener, type TopicReplay } from './backend.js';
export { createMemoryBackend } from './memory-backend.js';
export { PreparedMessage } from './prepared-message.js';
export { createTopics, Topics } from './topics.js';
export { type SubscribeOptions, type SubscribeResult, type TopicGap, type TopicsOptions } from './topics-options.js';
