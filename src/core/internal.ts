// What the other parts of upsocket (client, topics, testing, adapters) use of the core beyond its
// public index: kept out of index.ts so the published declarations never name it.
export * from './index.js';
export { channelNames, channels, type Direction } from './connection/channels.js';
export { type ChannelName, type UpsocketChannels } from './connection/channel-messages.js';
export { Fifo } from './connection/fifo.js';
export { Heartbeat } from './connection/heartbeat.js';
export { countMessages, type MessageCounts } from './connection/message-counts.js';
export { backlogOf, sendShared } from './connection/internals.js';
export { runHandler } from './connection/lifetime.js';
export { defineOptions, type OptionCheck, type Resolved } from './connection/define-options.js';
export { publishDeliver, publishSlowSubscriber, publishTopicGap, publishTopicPublish, rateLimitedConnections } from './connection/publish.js';
export { rateLimitCloseReason } from './connection/rate-limit.js';
export { drainingConnections, openConnections, pendingUpgrades } from './server/publish.js';
export { heartbeatOption, limitOptions, type Limits } from './connection/limits.js';
export { aBoolean, aFunction, anArray, aString, atLeast, between, instanceOf, nonNegativeInteger, positiveInteger } from './connection/option-checks.js';
export { guardedOnError } from './connection/report.js';
export { describeValue } from './connection/option-keys.js';
export { negotiateDeflate, noNegotiation, offerDeflate, webSocketOverStream, type StreamNegotiation } from './connection/ws/stream-websocket.js';
export { SharedMessage } from './connection/shared-message.js';
export { type Transport, type TransportSink } from './connection/transport.js';
export { WsTransport } from './connection/ws/ws-transport.js';
export { attachOptions, isAttached } from './server/attach.js';
export { openOptions } from './server/options.js';
export { openRoute } from './server/open.js';
export { routesObserved } from './server/route-patterns.js';
export { Upgrade } from './server/upgrade.js';
