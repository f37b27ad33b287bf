// The package's root entry (`upsocket`): the Connection and the server's upgrade path, the client
// and topics. Adapters have their own entries (upsocket/node-http, /express, /koa, /next).
export {
  attach,
  ClosedError,
  handleStream,
  handleUpgrade,
  Connection,
  Message,
  openNodeRequest,
  UpsocketError,
  UpsocketServer,
  type AttachOptions,
  type BinaryData,
  type ClientCap,
  type CloseInfo,
  type ConnectionState,
  type ErrorCode,
  type Handler,
  type MessageType,
  type Open,
  type OpenOptions,
  type OriginPolicy,
  type OriginRule,
  type RateLimit,
  type RefusedUpgrade,
  type ShutdownOptions,
  type UpsocketChannels,
} from './core/index.js';
export { stats, type UpsocketStats } from './observe/stats.js';
// The browser client's file, for serving it to pages (every adapter entry exports it too).
export { browserClientFile } from './adapters/browser-client-file.js';
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
export {
  createMemoryBackend,
  createTopics,
  PreparedMessage,
  Topics,
  type SubscribeOptions,
  type SubscribeResult,
  type TopicBackend,
  type TopicGap,
  type TopicGapListener,
  type TopicHistoryOptions,
  type TopicListener,
  type TopicReplay,
  type TopicsOptions,
} from './topics/index.js';
// The wire format's names a server needs: how ids order, where a reconnecting client left off.
export { compareIds, resumePoints } from './wire/index.js';
