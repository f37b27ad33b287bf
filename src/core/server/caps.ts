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
  connectionsPerClient?: ClientCap | undefined;
  trustProxy: boolean;
  /** Seconds for the refusals' `Retry-After`. */
  retryAfter: number;
}

// Built per refusal (the settings name the Retry-After): a refusal costs an HTTP answer anyway.
function serverFull(retryAfter: number): Refusal {
  return { status: 503, reason: 'Server is at its connection limit (maxConnections)', headers: { 'Retry-After': String(retryAfter) } };
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
 * @internal The connection caps of one `UpsocketServer`. Counts are the server's (its open
 * connections, and per client key); the limits are those of the `open()` being decided, so a route
 * can ask for less than the server's default.
 *
 * Exact under concurrent handshakes because nothing asynchronous happens between `check()` and
 * `count()`: `open()` checks, and in the same synchronous run ws writes the 101 and hands over the
 * WebSocket (`UpsocketServer.handOver()`), which counts it. A connection is released when it
 * closes, whatever closed it (the one `onClose` every close path ends in).
 */
export class ConnectionCaps {
  /** Open connections per client key; allocated once a `connectionsPerClient` upgrade is seen. */
  #perClient: Map<string, number> | undefined;
  #keyOf: WeakMap<Connection, string> | undefined;

  /**
   * The refusal for an upgrade that would go over a cap, or the client key to count it under
   * ('' when `connectionsPerClient` is not set). `open` is the server's open connections.
   */
  check(request: IncomingMessage, settings: CapSettings, open: number): Refusal | string {
    if (settings.maxConnections !== undefined && open >= settings.maxConnections) return serverFull(settings.retryAfter);
    const cap = settings.connectionsPerClient;
    if (cap === undefined) return '';
    const key = cap.key === undefined ? clientAddress(request, settings.trustProxy) : String(cap.key(request));
    if ((this.#perClient?.get(key) ?? 0) >= cap.max) return clientFull(cap.max, settings.retryAfter);
    return key;
  }

  /** Counts `connection` under `key` (from `check()`), until `release()`. */
  count(connection: Connection, key: string): void {
    if (key === '') return;
    const perClient = (this.#perClient ??= new Map());
    perClient.set(key, (perClient.get(key) ?? 0) + 1);
    (this.#keyOf ??= new WeakMap()).set(connection, key);
  }

  /** `connection` closed: its client may open another. */
  release(connection: Connection): void {
    const key = this.#keyOf?.get(connection);
    if (key === undefined) return;
    this.#keyOf!.delete(connection);
    const left = this.#perClient!.get(key)! - 1;
    if (left === 0) this.#perClient!.delete(key);
    else this.#perClient!.set(key, left);
  }
}
