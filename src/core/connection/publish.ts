import type { IncomingMessage } from 'node:http';
import { debuglog } from 'node:util';
import { channels, type Direction } from './channels.js';
import type { Connection } from './connection.js';
import { closeInfoOf } from './internals.js';
import { SharedMessage } from './shared-message.js';

// The one place upsocket publishes to its diagnostics channels (channels.ts) and writes its
// NODE_DEBUG=upsocket lines. Every helper checks `hasSubscribers` first, so with nobody listening
// it costs a property read and builds no message. The call sites are one line each.

const debug = debuglog('upsocket');
// Read once: NODE_DEBUG is fixed when the process starts.
const debugging = debug.enabled;

// When each server connection opened, for `upsocket:close`'s duration: kept only while someone
// listens to that channel, so an unobserved server keeps no entry per connection.
const openedAt = new WeakMap<Connection, number>();

/** Server connections open now (this copy of upsocket): one integer per open and close, nothing per message. */
export let openConnections = 0;

function describe(request: IncomingMessage): string {
  return `${request.method} ${request.url} from ${request.socket?.remoteAddress ?? 'a client that left'}`;
}

/** @internal `attach()` received an upgrade. */
export function publishUpgrade(request: IncomingMessage): void {
  if (channels.upgrade.hasSubscribers) channels.upgrade.publish({ request });
  if (debugging) debug('upgrade %s', describe(request));
}

/** @internal An upgrade ended without a 101 or a refusal of ours: the app answered, or nobody will. */
export function debugUpgradeEnd(request: IncomingMessage, outcome: string): void {
  if (debugging) debug('upgrade %s %s', describe(request), outcome);
}

/** @internal upsocket refused an upgrade with `status` and `reason`. */
export function publishRefused(request: IncomingMessage, status: number, reason: string): void {
  if (channels.refused.hasSubscribers) channels.refused.publish({ request, status, reason });
  if (debugging) debug('refused %s: %d %s', describe(request), status, reason);
}

/** @internal A server connection opened. */
export function publishOpen(connection: Connection, protocol: string): void {
  openConnections++;
  if (channels.close.hasSubscribers) openedAt.set(connection, performance.now());
  if (channels.open.hasSubscribers) channels.open.publish({ connection, request: connection.request, protocol });
  if (debugging) debug('open %s%s', describe(connection.request), protocol === '' ? '' : ` (protocol ${protocol})`);
}

/** @internal A server connection closed. */
export function publishClose(connection: Connection): void {
  openConnections--;
  if (!channels.close.hasSubscribers && !debugging) return;
  const { code, reason } = closeInfoOf(connection) ?? { code: 1006, reason: '' };
  const started = openedAt.get(connection);
  const duration = started === undefined ? undefined : performance.now() - started;
  if (channels.close.hasSubscribers) channels.close.publish({ connection, request: connection.request, code, reason, duration });
  if (debugging) debug('close %s: %d %s', describe(connection.request), code, reason === '' ? '(no reason)' : reason);
}

/** @internal An error went to `onError`. */
export function publishError(error: unknown, request: IncomingMessage, connection?: Connection): void {
  if (channels.error.hasSubscribers) channels.error.publish({ error, request, connection });
  if (debugging) debug('error %s: %s', describe(request), error instanceof Error ? error.message : String(error));
}

// The connection's own events come from ConnectionCore, whose owner is its Connection.

/** @internal The heartbeat drops `connection`. */
export function publishHeartbeatTimeout(connection: unknown): void {
  if (channels.heartbeatTimeout.hasSubscribers) channels.heartbeatTimeout.publish({ connection: connection as Connection });
  if (debugging) debug('heartbeat timeout %s', describe((connection as Connection).request));
}

/** @internal Reading or sending on `connection` paused (`paused`) or resumed. */
export function publishPause(connection: unknown, direction: Direction, paused: boolean): void {
  const to = paused ? channels.pause : channels.resume;
  if (to.hasSubscribers) to.publish({ connection: connection as Connection, direction });
}

/** @internal One message received or sent; `size` is called only when someone listens. */
export function publishMessage(connection: unknown, direction: Direction, data: unknown): void {
  if (channels.message.hasSubscribers) channels.message.publish({ connection: connection as Connection, direction, bytes: byteSize(data) });
}

function byteSize(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof SharedMessage) return data.payload.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  return ArrayBuffer.isView(data) ? data.byteLength : 0;
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
export function publishSlowSubscriber(connection: Connection, topic: string, backlog: number): void {
  if (channels.slowSubscriber.hasSubscribers) channels.slowSubscriber.publish({ connection, topic, backlog });
}
