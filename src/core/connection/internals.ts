import type { CloseInfo } from './closed-watch.js';
import { coreOf, type Connection } from './connection.js';
import type { SharedMessage } from './shared-message.js';

// What other parts of upsocket do with a connection beyond its public methods; Connection keeps
// these off its public object (style: private state is private at run time too).

/**
 * @internal Queues a message prepared once for many connections (topics' fan-out), written like
 * `sendText()`/`sendBinary()` within the current tick's batch. Throws `ClosedError` unless open.
 */
export function sendShared(connection: Connection, message: SharedMessage): void {
  coreOf(connection).sendShared(message);
}

/**
 * @internal Bytes the network has not taken from `connection`: `bufferedAmount` without this
 * tick's writes, which leave together at the end of the tick. What a slow-subscriber policy measures.
 */
export function backlogOf(connection: Connection): number {
  return coreOf(connection).backlog;
}

/** @internal The heartbeat's tick for `connection`: ping it, or drop it if it missed the last pong. */
export function probe(connection: Connection): void {
  coreOf(connection).probe();
}

/** @internal The code and reason `connection` closed with (its close frame's while closing), read synchronously. */
export function closeInfoOf(connection: Connection): CloseInfo | undefined {
  return coreOf(connection).closeInfo;
}
