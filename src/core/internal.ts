// What the other parts of upsocket (client, topics, testing, adapters) use of the core beyond its
// public index: kept out of index.ts so the published declarations never name it.
export * from './index.js';
export { Fifo } from './connection/fifo.js';
export { Heartbeat } from './connection/heartbeat.js';
export { runHandler } from './connection/lifetime.js';
export { assertHeartbeat, assertPositive, defaultLimits, type Resolved } from './connection/limits.js';
export { assertKnownOptions } from './connection/option-keys.js';
export { type Transport, type TransportSink } from './connection/transport.js';
export { WsTransport } from './connection/ws/ws-transport.js';
export { attachOptionKeys, isAttached } from './server/attach.js';
export { defaultSettings, resolveSettings } from './server/options.js';
export { Upgrade } from './server/upgrade.js';
