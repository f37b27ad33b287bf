import type { IncomingMessage } from 'node:http';
import type { Connection } from '../connection/connection.js';
import { UpsocketError } from '../connection/errors.js';
import { assertKnownOptions, describeValue } from '../connection/option-keys.js';
import { clientAddress } from './client-address.js';
import type { Refusal } from './http-answer.js';

/** A cap on the connections of one client, as `connectionsPerClient` takes it. */
export interface ClientCap {
  /** Connections one client may hold open at once; one more is refused with 429. */
  max: number;
  /**
   * Who the client is, from the upgrade request as the app's middleware left it (a user id from
   * the session, an API key). Default: the client's address (`Forwarded`/`X-Forwarded-For` with
   * `trustProxy`, else the socket's remote address).
   */
  key?: ((request: IncomingMessage) => string) | undefined;
}

/** What the caps need of an upgrade's settings. */
export interface CapSettings {
  maxConnections?: number | undefined;
  capGroup?: string | undefined;
  connectionsPerClient?: ClientCap | undefined;
  trustProxy: boolean;
  /** Seconds for the refusals' `Retry-After`. */
  retryAfter: number;
}

/** What an accepted upgrade is counted under once it opens: its client key and its route ('' and undefined: not counted). */
export interface CapKeys {
  clientKey: string;
  routeKey: unknown;
}

const uncounted: CapKeys = Object.freeze({ clientKey: '', routeKey: undefined });

// Built per refusal (the settings name the Retry-After): a refusal costs an HTTP answer anyway.
function serverFull(retryAfter: number): Refusal {
  return { status: 503, reason: 'Server is at its connection limit (maxConnections)', headers: { 'Retry-After': String(retryAfter) } };
}

function routeFull(max: number, retryAfter: number): Refusal {
  return { status: 503, reason: `This route is at its connection limit (maxConnections: ${max})`, headers: { 'Retry-After': String(retryAfter) } };
}

/** The request's path, without the query: a route's default name where nothing else names it. */
function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function clientFull(max: number, retryAfter: number): Refusal {
  return { status: 429, reason: `Too many connections from this client (connectionsPerClient: ${max})`, headers: { 'Retry-After': String(retryAfter) } };
}

function invalid(message: string): UpsocketError {
  return new UpsocketError('UPSOCKET_INVALID_OPTION', message);
}

/** @internal The check of `connectionsPerClient`: `{ max, key? }` with a positive integer `max`. */
export function assertClientCap(value: unknown, key: string, caller: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${key} must be an object { max, key? }, got ${describeValue(value)}`);
  }
  assertKnownOptions(`${caller} ${key}`, value, ['max', 'key']);
  const { max, key: keyOf } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(max) || (max as number) <= 0) throw invalid(`${key}.max must be a positive integer, got ${String(max)}`);
  if (keyOf !== undefined && typeof keyOf !== 'function') throw invalid(`${key}.key must be a function (request) => string`);
}

/**
 * @internal The connection caps of one `UpsocketServer`:
 * - the server's `maxConnections` (`attach()`'s) is a ceiling over all its connections, whatever a
 *   route says;
 * - a route's own `maxConnections` (given to `open()`, `websocket()` or `handleUpgrade()`, below
 *   the ceiling) counts the connections of that route: its `capGroup`, else what the adapter
 *   names it by (the `websocket()` call, the framework's matched route pattern), else its path;
 * - `connectionsPerClient` counts per client key, over the server.
 *
 * Exact under concurrent handshakes because nothing asynchronous happens between `check()` and
 * `count()`: `open()` checks, and in the same synchronous run ws writes the 101 and hands over the
 * WebSocket (`UpsocketServer.handOver()`), which counts it. A connection is released when it
 * closes, whatever closed it (the one `onClose` every close path ends in). Maps are made on first
 * use: a server without route or client caps keeps none.
 */
export class ConnectionCaps {
  /** Open connections per client key; allocated once a `connectionsPerClient` upgrade is seen. */
  #perClient: Map<string, number> | undefined;
  #keyOf: WeakMap<Connection, string> | undefined;
  /** Open connections per route, of the routes with a cap of their own. */
  #perRoute: Map<unknown, number> | undefined;
  #routeOf: WeakMap<Connection, unknown> | undefined;

  /**
   * The refusal for an upgrade that would go over a cap, or the keys to count it under.
   * `ceiling` is the server's cap, `open` its open connections, `route` what the adapter names
   * the route by (undefined: its path).
   */
  check(request: IncomingMessage, settings: CapSettings, ceiling: number | undefined, open: number, route: unknown): Refusal | CapKeys {
    if (ceiling !== undefined && open >= ceiling) return serverFull(settings.retryAfter);
    const routeCap = settings.maxConnections;
    // A route's cap at or above the ceiling can never bind: that route is not counted.
    let routeKey: unknown;
    if (routeCap !== undefined && (ceiling === undefined || routeCap < ceiling)) {
      routeKey = settings.capGroup ?? route ?? pathOf(request);
      if ((this.#perRoute?.get(routeKey) ?? 0) >= routeCap) return routeFull(routeCap, settings.retryAfter);
    }
    const cap = settings.connectionsPerClient;
    if (cap === undefined) return routeKey === undefined ? uncounted : { clientKey: '', routeKey };
    const clientKey = cap.key === undefined ? clientAddress(request, settings.trustProxy) : String(cap.key(request));
    if ((this.#perClient?.get(clientKey) ?? 0) >= cap.max) return clientFull(cap.max, settings.retryAfter);
    return { clientKey, routeKey };
  }

  /** Counts `connection` under the keys `check()` gave, until `release()`. */
  count(connection: Connection, { clientKey, routeKey }: CapKeys): void {
    if (clientKey !== '') {
      const perClient = (this.#perClient ??= new Map());
      perClient.set(clientKey, (perClient.get(clientKey) ?? 0) + 1);
      (this.#keyOf ??= new WeakMap()).set(connection, clientKey);
    }
    if (routeKey !== undefined) {
      const perRoute = (this.#perRoute ??= new Map());
      perRoute.set(routeKey, (perRoute.get(routeKey) ?? 0) + 1);
      (this.#routeOf ??= new WeakMap()).set(connection, routeKey);
    }
  }

  /** `connection` closed: its client and its route may open another. */
  release(connection: Connection): void {
    const key = this.#keyOf?.get(connection);
    if (key !== undefined) {
      this.#keyOf!.delete(connection);
      decrement(this.#perClient!, key);
    }
    const routeKey = this.#routeOf?.get(connection);
    if (routeKey !== undefined) {
      this.#routeOf!.delete(connection);
      decrement(this.#perRoute!, routeKey);
    }
  }
}

function decrement<Key>(counts: Map<Key, number>, key: Key): void {
  const left = counts.get(key)! - 1;
  if (left === 0) counts.delete(key);
  else counts.set(key, left);
}
