// The index of the core: the protocol-neutral Connection (connection/) and the server's upgrade
// path (server/). Client, topics, testing and the adapters import the core from here only.

// Public: re-exported by the package's entry points.
export { type UpsocketChannels } from './connection/channel-messages.js';
export { Connection, type CloseInfo, type ConnectionState } from './connection/connection.js';
export { ClosedError, UpsocketError, type ErrorCode } from './connection/errors.js';
export { type Handler } from './connection/lifetime.js';
export { Message, type MessageType } from './connection/message.js';
export { type BinaryData } from './connection/transport.js';
export { attach, type AttachOptions } from './server/attach.js';
export { openNodeRequest, type Open } from './server/open.js';
export { handleUpgrade } from './server/handle-upgrade.js';
export { handleStream } from './server/handle-stream.js';
export { type ClientCap } from './server/caps.js';
export { type RateLimit } from './connection/rate-limit.js';
export { type OpenOptions } from './server/options.js';
export { type OriginPolicy, type OriginRule } from './server/origin.js';
export { type RefusedUpgrade } from './server/refusals.js';
export { UpsocketServer } from './server/server.js';
export { type ShutdownOptions } from './server/shutdown-options.js';
