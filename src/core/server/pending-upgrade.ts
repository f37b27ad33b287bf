import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { sharedWeakMap } from './registry.js';
import type { UpsocketServer } from './server.js';

/**
 * An upgrade request on its way through the app: `routing` while the app's middleware and routes
 * run, `answered` once the app (or a refused handshake) replied over HTTP, `opened` once a route
 * called `open()` and the socket went to ws.
 *
 * @internal
 */
export interface PendingUpgrade {
  readonly server: UpsocketServer;
  readonly socket: Socket;
  readonly head: Buffer;
  readonly response: ServerResponse;
  state: 'routing' | 'answered' | 'opened';
  /** The subprotocol chosen by the handshake checks, for ws's `handleProtocols`. */
  protocol: string;
}

/** What remains of an upgrade once ws owns the socket: enough to refuse a second `open()`. */
export interface OpenedUpgrade {
  readonly state: 'opened';
}

const opened: OpenedUpgrade = Object.freeze({ state: 'opened' });

// Keyed by the request object: frameworks swap its prototype but keep its identity.
const pendingUpgrades = sharedWeakMap<IncomingMessage, PendingUpgrade | OpenedUpgrade>('pending-upgrades');

/** @internal */
export function registerUpgrade(request: IncomingMessage, upgrade: PendingUpgrade): void {
  pendingUpgrades.set(request, upgrade);
}

/** @internal */
export function pendingUpgradeOf(request: IncomingMessage): PendingUpgrade | OpenedUpgrade | undefined {
  return pendingUpgrades.get(request);
}

/**
 * @internal Drops the record's response, socket and head: the request lives as long as its
 * connection (`connection.request`), and those would live with it.
 */
export function markOpened(request: IncomingMessage): void {
  pendingUpgrades.set(request, opened);
}
