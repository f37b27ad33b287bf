import { defineOptions, type OptionSpec } from './define-options.js';
import { heartbeatInterval, positiveInteger } from './option-checks.js';

// The limits every connection has, whichever side opened it: described once here and used by the
// options of the server (`open()`/`attach()`), the client (`connect()`, `reconnecting()`,
// `inject()`) and `pair()`, so they mean the same and default alike everywhere.
//
// Each is resolved once per side (the server's settings of one `open()`, the client's of one
// `connect()`, each end of a `pair()`) and enforced in one place per transport:
// - maxMessageSize: by the receiver. ws's `maxPayload` on the server (one WebSocketServer per
//   size, core/server/ws-servers.ts) and on the client (client/handshake.ts); the memory transport of
//   `pair()` checks each message itself (testing/memory-transport.ts). A larger message closes 1009.
// - sendHighWaterMark: `Connection.flush()` waits until at most this many bytes are buffered.
// - receiveHighWaterMark: `Connection` pauses the transport while this many bytes wait for `read()`.
// - heartbeat: `Heartbeat` (core/connection/heartbeat.ts): the server keeps one per interval, a
//   client connection one of its own. On by default on the server (30 s), off on the client.

/** @internal What a connection's limits resolve to. */
export interface Limits {
  maxMessageSize: number;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
}

/** @internal The limits the server, the client and `pair()` share: 1 MiB messages, 64 KiB marks. */
export const limitOptions = defineOptions<Limits>({
  maxMessageSize: { default: 1024 * 1024, check: positiveInteger },
  sendHighWaterMark: { default: 64 * 1024, check: positiveInteger },
  receiveHighWaterMark: { default: 64 * 1024, check: positiveInteger },
});

/** @internal The `heartbeat` option: a ping interval in ms, or `false`; its default differs by side. */
export function heartbeatOption(interval: number | false): OptionSpec<number | false> {
  return { default: interval, check: heartbeatInterval };
}
