// The package's root entry (`upsocket`): the Connection and the server's upgrade path, the client
// and topics. Adapters have their own entries (upsocket/node-http, /express, /koa, /next).
export {
  attach,
  ClosedError,
  Connection,
  Message,
  openNodeRequest,
  UpsocketError,
  UpsocketServer,
  type AttachOptions,
  type BinaryData,
  type CloseInfo,
  type ConnectionState,
  type ErrorCode,
  type Handler,
  type MessageType,
  type Open,
  type OpenOptions,
  type OriginPolicy,
  type OriginRule,
  type RefusedUpgrade,
  type ShutdownOptions,
  type UpsocketChannels,
} from './core/index.js';
export { stats, type UpsocketStats } from './observe/stats.js';
export {
  connect,
  HandshakeError,
  reconnecting,
  ReconnectingClient,
  type BackoffOptions,
  type ConnectOptions,
  type HandshakeAnswer,
  type HandshakeErrorCode,
  type ReconnectEvent,
  type ReconnectOptions,
  type ReconnectState,
} from './client/index.js';
export { createMemoryBackend, createTopics, PreparedMessage, Topics, type TopicBackend, type TopicListener, type TopicsOptions } from './topics/index.js';
