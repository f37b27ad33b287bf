import type { IncomingMessage } from 'node:http';
import { channels } from '../connection/channels.js';
import { sharedWeakMap } from './registry.js';

// The route pattern the framework matched for an upgrade (`/rooms/:room`), as its adapter names
// routes (`routeOf` in adapters/define-adapter.ts, the name a route's own `maxConnections` counts
// under): for the `route` of `upsocket:open` and `upsocket:refused`, so subscribers (upsocket/otel's
// `http.route`) know it on every framework. Recorded only while someone listens to either channel:
// an unobserved server looks nothing up and keeps nothing per upgrade.

// Keyed by the routed request, which `upsocket:refused` carries and the server still holds when
// the connection opens (`connection.request` may be a settled copy); values are strings.
const patterns = sharedWeakMap<IncomingMessage, string>('routePatterns');

/** @internal Whether anyone would read a route's pattern now. */
export function routesObserved(): boolean {
  return channels.open.hasSubscribers || channels.refused.hasSubscribers;
}

/** @internal Records `pattern` as `request`'s route. */
export function recordRoute(request: IncomingMessage, pattern: string): void {
  patterns.set(request, pattern);
}

/** @internal The route recorded for `request`, if any. */
export function routeOf(request: IncomingMessage): string | undefined {
  return patterns.get(request);
}
