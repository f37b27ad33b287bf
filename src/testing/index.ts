// The testing entry: drive WebSocket handlers and routes from tests without opening ports.
export { pair, type PairLimits, type PairOptions } from './pair.js';
export { inject, type InjectOptions } from './inject.js';
export { attach, ClosedError, Connection, Message, UpsocketError } from '../core/index.js';
export { HandshakeError } from '../client/index.js';
export type { CloseInfo, Handler } from '../core/index.js';
