import type { IncomingMessage } from 'node:http';
import type { Direction } from './channels.js';
import type { Connection } from './connection.js';

// The messages of upsocket's diagnostics channels (channels.ts holds the channels themselves):
// types only, for subscribers; the code that publishes (publish.ts) does not import them, so the
// channels need nothing of Connection.

/**
 * The diagnostics channels upsocket publishes to (Node's `node:diagnostics_channel`, the
 * convention undici and fastify follow), each name with the message its subscribers receive.
 * A channel with no subscriber costs one property read: no message object is built.
 *
 * Channels are global by name, so a subscriber sees every copy of upsocket in the process.
 *
 * @example
 * import { subscribe } from 'node:diagnostics_channel'
 * import type { UpsocketChannels } from 'upsocket'
 *
 * subscribe('upsocket:close', (message) => {
 *   const { code, duration } = message as UpsocketChannels['upsocket:close']
 *   console.log(`closed ${code} after ${duration} ms`)
 * })
 */
export interface UpsocketChannels {
  /** `attach()` received a WebSocket upgrade request (after its `filter`), or `handleUpgrade()` was given one, before any routing. */
  'upsocket:upgrade': { request: IncomingMessage };
  /**
   * upsocket answered an upgrade with an HTTP error itself (what `onRefuse` hears). `route`: the
   * route's pattern, when a route refused it (see `upsocket:open`). `shed`: the `attach()` bound
   * that shed it (a 503 before the app saw it), undefined for every other refusal; a stable name
   * to count by, where `reason` is text for people.
   */
  'upsocket:refused': {
    request: IncomingMessage;
    status: number;
    reason: string;
    route: string | undefined;
    shed: 'maxPendingUpgrades' | 'upgradesPerSecond' | undefined;
  };
  /**
   * The 101 went out: a server connection opened and its handler is about to run. `route` is the
   * route pattern the framework matched (`/rooms/:room`: Express's route under its router's mount
   * path, @koa/router's matched route, Next's route), or undefined where none is known (node:http,
   * `handleUpgrade()`).
   */
  'upsocket:open': { connection: Connection; request: IncomingMessage; protocol: string; route: string | undefined };
  /**
   * A server connection closed. `duration` is in ms since `upsocket:open`, or undefined for a
   * connection that opened while nobody subscribed to `upsocket:close`.
   */
  'upsocket:close': { connection: Connection; request: IncomingMessage; code: number; reason: string; duration: number | undefined };
  /** An error went to `onError`: a handler threw (`connection` set) or routing the upgrade failed. */
  'upsocket:error': { error: unknown; request: IncomingMessage; connection: Connection | undefined };
  /** The heartbeat dropped a connection that did not answer its last ping (it closes with 1006). */
  'upsocket:heartbeat-timeout': { connection: Connection };
  /**
   * `reason: 'highWaterMark'`: with `receive`, the receive queue reached its mark and reading
   * stopped; with `send`, a `flush()` waits for the send buffer to drain. `reason: 'rateLimit'`
   * (always `receive`): the peer went over `rateLimit`, its messages wait for the budget and
   * reading stopped.
   */
  'upsocket:pause': { connection: Connection; direction: Direction; reason: 'highWaterMark' | 'rateLimit' };
  /** The pause above ended: the queue is down to half, the send buffer drained to its mark, or the held messages went through. */
  'upsocket:resume': { connection: Connection; direction: Direction; reason: 'highWaterMark' | 'rateLimit' };
  /** One message received or sent (`bytes` is its payload's size). Fires for every `Connection`, client ones included. */
  'upsocket:message': { connection: Connection; direction: Direction; bytes: number };
  /** `topics.publish()` was called for `topic` in this process. */
  'upsocket:publish': { topic: string };
  /** A message of `topic` was written to `subscribers` connections of this process. */
  'upsocket:deliver': { topic: string; subscribers: number };
  /** A topic subscriber more than `maxBufferedAmount` behind was closed with 1013. */
  'upsocket:slow-subscriber': { connection: Connection; topic: string; backlog: number };
  /**
   * Messages of `topic` (with history) never reached `subscribers` subscribers of this process and
   * could not be read back from the history; `after` is the newest id they got before (see `onGap`).
   */
  'upsocket:topic-gap': { topic: string; after: string | undefined; subscribers: number };
}

/** A channel's name. */
export type ChannelName = keyof UpsocketChannels;
