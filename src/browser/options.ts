import { RESTART_DELAY } from '../wire/index.js';
import { ResumableError } from './events.js';

/**
 * An event handler property of a `WebSocketLike`. Declared as a method's type so that its parameter
 * is compared both ways: the DOM's `(ev: MessageEvent) => any` and `ws`'s
 * `(event: WebSocket.MessageEvent) => void` take richer events than the fields the client reads, and
 * a plain function type (strict, contravariant) would refuse both sockets (issue 23).
 */
export type WebSocketHandler<Event> = { handle(event: Event): void }['handle'];

/**
 * The part of the WebSocket API the client uses: the browser's, Node ≥ 22's global, or `ws`'s.
 * Each handler names only the event fields the client reads.
 *
 * @example
 * import { WebSocket } from 'ws'
 * const socket: WebSocketLike = new WebSocket('ws://localhost:3000/chat')
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: WebSocketHandler<unknown> | null;
  onmessage: WebSocketHandler<{ readonly data: unknown }> | null;
  onclose: WebSocketHandler<{ readonly code: number; readonly reason: string }> | null;
  onerror: WebSocketHandler<unknown> | null;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket class: `new WebSocket(url, protocols)`. The global `WebSocket` and `ws`'s both fit.
 *
 * @example
 * import { WebSocket } from 'ws' // Node 20 has no global WebSocket
 * const client = connectResumable('ws://localhost:3000/chat', { WebSocket })
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Options of `connectResumable()`. */
export interface ResumableOptions {
  /**
   * Delay before the first retry, then doubled per failed attempt up to `max`, each shortened by a random share of up to half (jitter). Default: `{ initial: 500, max: 30000, restart: 1000 }` ms.
   * A server's `Retry-After` cannot be honoured: the browser's WebSocket shows nothing of a refused handshake (no status, no headers).
   *
   * `restart`: after the server closed with 1001 (going away), 1012 (service restart) or 1013 (try
   * again later), the client waits a random delay from 0 to `restart` ms (1013: from `restart` to
   * twice it) instead of `initial`, so that the thousands of pages a deploy closes at once come back
   * spread over a second rather than within 250 ms; 0 reconnects at once. Not capped by `max`.
   *
   * @example
   * connectResumable(url, { backoff: { initial: 500, max: 10_000, restart: 3000 } })
   */
  backoff?: { initial?: number | undefined; max?: number | undefined; restart?: number | undefined } | undefined;
  /** Keep up to `max` messages sent while disconnected and send them, in order, once open. Default: none (`send()` throws while disconnected). */
  queue?: { max: number } | undefined;
  /** The last id per topic to resume from on the first connection (e.g. saved from `client.lastIds`). Default: none. */
  since?: Readonly<Record<string, string>> | undefined;
  /** Subprotocols to offer. Default: none. */
  protocols?: string | string[] | undefined;
  /** The WebSocket class to use. Default: the global `WebSocket` (browsers, Node ≥ 22); pass `ws`'s on Node 20. */
  WebSocket?: WebSocketConstructor | undefined;
}

/** `ResumableOptions` checked, with defaults applied. */
export interface ResumableSettings {
  initialDelay: number;
  maxDelay: number;
  restartDelay: number;
  queueMax: number | undefined;
  since: Readonly<Record<string, string>>;
  protocols: string | string[] | undefined;
  WebSocket: WebSocketConstructor;
}

const keys = ['backoff', 'queue', 'since', 'protocols', 'WebSocket'];
const backoffKeys = ['initial', 'max', 'restart'];

function invalid(message: string): ResumableError {
  return new ResumableError('UPSOCKET_INVALID_OPTION', `connectResumable(): ${message}`);
}

function positive(value: unknown, name: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw invalid(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function nonNegative(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalid(`${name} must be a whole number of ms, 0 or more, got ${String(value)}`);
  return value;
}

/** Checks `options` (unknown keys throw, as everywhere in upsocket) and applies the defaults. */
export function resolveOptions(options: ResumableOptions): ResumableSettings {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  for (const key of Object.keys(options)) if (!keys.includes(key)) throw invalid(`unknown option "${key}"; valid: ${keys.join(', ')}`);
  for (const key of Object.keys(options.backoff ?? {})) if (!backoffKeys.includes(key)) throw invalid(`unknown option "backoff.${key}"; valid: ${backoffKeys.join(', ')}`);
  const initialDelay = positive(options.backoff?.initial, 'backoff.initial', 500);
  const maxDelay = positive(options.backoff?.max, 'backoff.max', Math.max(30_000, initialDelay));
  if (maxDelay < initialDelay) throw invalid(`backoff.max (${maxDelay}) must be at least backoff.initial (${initialDelay})`);
  const restartDelay = nonNegative(options.backoff?.restart, 'backoff.restart', RESTART_DELAY);
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocket !== 'function') throw invalid('there is no global WebSocket here (Node 20): pass one, e.g. { WebSocket } from "ws"');
  const queueMax = options.queue === undefined ? undefined : positive(options.queue.max, 'queue.max');
  return { initialDelay, maxDelay, restartDelay, queueMax, since: options.since ?? {}, protocols: options.protocols, WebSocket };
}
