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

// Keyed by the request object: frameworks swap its prototype but keep its identity.
const pendingUpgrades = sharedWeakMap<IncomingMessage, PendingUpgrade>('pending-upgrades');

/** @internal */
export function registerUpgrade(request: IncomingMessage, upgrade: PendingUpgrade): void {
  pendingUpgrades.set(request, upgrade);
}

/** @internal */
export function pendingUpgradeOf(request: IncomingMessage): PendingUpgrade | undefined {
  return pendingUpgrades.get(request);
}
