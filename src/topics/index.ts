// The index of topics: named channels over the core's Connection, with pluggable backends (the
// Redis one, in redis/, is its own entry point: upsocket/redis).
export { type TopicBackend, type TopicGapListener, type TopicHistoryOptions, type TopicListener, type TopicReplay } from './backend.js';
export { createMemoryBackend } from './memory-backend.js';
export { PreparedMessage } from './prepared-message.js';
export { createTopics, Topics } from './topics.js';
export { type PresenceOptions, type SubscribeOptions, type SubscribeResult, type TopicGap, type TopicsOptions } from './topics-options.js';
export { type PresenceBackend, type PresenceChange, type PresenceEntry, type PresenceLeave, type PresenceListener, type PresenceSync } from './presence-backend.js';
export { PresenceTracking } from './presence-tracking.js';
export { type PresenceMembers, type PresenceMeta } from '../wire/index.js';
