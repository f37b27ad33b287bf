// The index of the client: connect() and reconnecting() over the core's Connection.
export { type BackoffOptions } from './backoff.js';
export { connect } from './connect.js';
export { HandshakeError, type HandshakeAnswer, type HandshakeErrorCode } from './handshake-error.js';
export { type ConnectOptions } from './options.js';
export { reconnecting, ReconnectingClient, type ReconnectEvent, type ReconnectOptions, type ReconnectState } from './reconnect.js';
export { type PresenceMemberEvent } from './resume.js';
