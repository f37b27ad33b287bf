import type { IncomingMessage } from 'node:http';
import { debuglog } from 'node:util';
import { channels, type Direction } from './channels.js';
import { messageCounts } from './message-counts.js';
import { SharedMessage } from './shared-message.js';

// Where upsocket publishes to its diagnostics channels (channels.ts) and writes its
// NODE_DEBUG=upsocket lines: the connection's and topics' events here, the upgrade path's in
// core/server/publish.ts. Every helper checks `hasSubscribers` first, so with nobody listening it
// costs a property read and builds no message. The call sites are one line each.

/** @internal util.debuglog's writer for NODE_DEBUG=upsocket. */
export const debug = debuglog('upsocket');
/** @internal Read once: NODE_DEBUG is fixed when the process starts. */
export const debugging = debug.enabled;

/** @internal A request as the debug lines name it. */
export function describe(request: IncomingMessage): string {
  return `${request.method} ${request.url} from ${request.socket?.remoteAddress ?? 'a client that left'}`;
}

/** @internal An error went to `onError`. */
export function publishError(error: unknown, request: IncomingMessage, connection?: unknown): void {
  if (channels.error.hasSubscribers) channels.error.publish({ error, request, connection });
  if (debugging) debug('error %s: %s', describe(request), error instanceof Error ? error.message : String(error));
}

// The connection's own events come from ConnectionCore, whose owner is its Connection.

/** @internal The heartbeat drops `connection`. */
export function publishHeartbeatTimeout(connection: unknown): void {
  if (channels.heartbeatTimeout.hasSubscribers) channels.heartbeatTimeout.publish({ connection: connection });
  if (debugging) debug('heartbeat timeout %s', describe((connection as { request: IncomingMessage }).request));
}

/** @internal Reading or sending on `connection` paused (`paused`) or resumed at a high-water mark. */
export function publishPause(connection: unknown, direction: Direction, paused: boolean): void {
  const to = paused ? channels.pause : channels.resume;
  if (to.hasSubscribers) to.publish({ connection: connection, direction, reason: 'highWaterMark' });
}

/** Connections whose messages and reads the rate limit holds now (this copy of upsocket). */
export let rateLimitedConnections = 0;

/** @internal The rate limit started (`held`) or stopped holding `connection`'s messages and reads. */
export function publishRateLimited(connection: unknown, held: boolean): void {
  rateLimitedConnections += held ? 1 : -1;
  const to = held ? channels.pause : channels.resume;
  if (to.hasSubscribers) to.publish({ connection: connection, direction: 'receive', reason: 'rateLimit' });
  if (debugging) {
    const request = (connection as { request: IncomingMessage }).request;
    debug('rate limit %s: %s', describe(request), held ? 'over rateLimit, messages held and reading paused' : 'reading again');
  }
}

const counts = messageCounts;

/**
 * @internal One message received or sent: counted (once a reader started the counts) and
 * published to `upsocket:message` (when someone subscribed); its size is taken only for them.
 */
export function publishMessage(connection: unknown, direction: Direction, data: unknown): void {
  if (counts.counting) {
    if (direction === 'receive') {
      counts.messagesReceived++;
      counts.bytesReceived += byteSize(data);
    } else {
      counts.messagesSent++;
      counts.bytesSent += byteSize(data);
    }
  }
  if (channels.message.hasSubscribers) channels.message.publish({ connection: connection, direction, bytes: byteSize(data) });
}

function byteSize(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  // What was received is always a Buffer: checked before the rarer kinds.
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (data instanceof SharedMessage) return data.payload.length;
  return data instanceof ArrayBuffer ? data.byteLength : 0;
}

/** @internal `topics.publish()` for `topic`. */
export function publishTopicPublish(topic: string): void {
  if (channels.publish.hasSubscribers) channels.publish.publish({ topic });
}

/** @internal A topic message reached `subscribers` local connections. */
export function publishDeliver(topic: string, subscribers: number): void {
  if (channels.deliver.hasSubscribers) channels.deliver.publish({ topic, subscribers });
}

/** @internal Topics closed a slow subscriber with 1013. */
export function publishSlowSubscriber(connection: unknown, topic: string, backlog: number): void {
  if (channels.slowSubscriber.hasSubscribers) channels.slowSubscriber.publish({ connection, topic, backlog });
}

/** @internal Messages of `topic` after `after` went missing for `subscribers` local subscribers (rare: one debug line). */
export function publishTopicGap(topic: string, after: string | undefined, subscribers: number): void {
  if (channels.topicGap.hasSubscribers) channels.topicGap.publish({ topic, after, subscribers });
  if (debugging) debug('topic gap %s after %s: %d subscriber(s) missed messages', topic, after ?? '(none)', subscribers);
}
