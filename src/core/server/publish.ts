import type { IncomingMessage } from 'node:http';
import { channels } from '../connection/channels.js';
import type { Connection } from '../connection/connection.js';
import { closeInfoOf } from '../connection/internals.js';
import { debug, debugging, describe } from '../connection/publish.js';
import type { Refusal } from './http-answer.js';
import { routeOf } from './route-patterns.js';

// The upgrade path's diagnostics channels and NODE_DEBUG=upsocket lines (see
// core/connection/publish.ts): one-line calls from attach/upgrade/server/reporter.

// When each server connection opened, for `upsocket:close`'s duration: kept only while someone
// listens to that channel, so an unobserved server keeps no entry per connection.
const openedAt = new WeakMap<Connection, number>();

/** Server connections open now (this copy of upsocket): one integer per open and close, nothing per message. */
export let openConnections = 0;

/** Upgrades `attach()` is routing through the app now (admitted, not yet opened or answered; their client still there). */
export let pendingUpgrades = 0;

/** Server connections a spread `close()` has not yet sent their close frame. */
export let drainingConnections = 0;

/** @internal An upgrade went into the app (+1), or came out of it (-1). */
export function countPendingUpgrade(delta: 1 | -1): void {
  pendingUpgrades += delta;
}

/** @internal A spread `close()` has `delta` more (or, negative, fewer) close frames to send. */
export function countDraining(delta: number): void {
  drainingConnections += delta;
}

/** @internal A `NODE_DEBUG=upsocket` line about a spread `close()`. */
export function debugDrain(what: string): void {
  if (debugging) debug('close(): %s', what);
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

/** @internal A header the app set was left off the 101 (`why`). */
export function debugDroppedHeader(request: IncomingMessage, name: string, why: string): void {
  if (debugging) debug('upgrade %s: header %s left off the 101: %s', describe(request), name, why);
}

/** @internal upsocket refused an upgrade. */
export function publishRefused(request: IncomingMessage, { status, reason, shed }: Refusal): void {
  if (channels.refused.hasSubscribers) channels.refused.publish({ request, status, reason, route: routeOf(request), shed });
  if (debugging) debug('refused %s: %d %s', describe(request), status, reason);
}

/** @internal A server connection opened, for the routed `request` (`connection.request` may be its settled copy). */
export function publishOpen(connection: Connection, protocol: string, request: IncomingMessage): void {
  openConnections++;
  if (channels.close.hasSubscribers) openedAt.set(connection, performance.now());
  if (channels.open.hasSubscribers) channels.open.publish({ connection, request: connection.request, protocol, route: routeOf(request) });
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
