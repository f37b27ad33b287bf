import type { Duplex, Writable } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * `end()` for a stream ws ends more than once: a repeated call with no arguments on a stream
 * that already ended (and holds no cork for `end()` to release) returns at once. Node's own
 * `end()` would do nothing else either, but first build an `ERR_STREAM_ALREADY_FINISHED` error
 * with a full stack trace, which nobody receives when no callback was given.
 */
function endOnce<Stream extends Writable>(this: Stream): Stream {
  if (arguments.length === 0 && this.writableEnded && this.writableCorked === 0) return this;
  const end = (Object.getPrototypeOf(this) as Stream).end as (...args: unknown[]) => Stream;
  return Reflect.apply(end, this, arguments);
}

/**
 * @internal Takes the thrown-away errors out of every close of a ws connection. ws's receiver
 * ends itself when the close frame arrives, then ws calls `receiver.end()` again when the socket
 * ends and when it closes, and `socket.end()` on a socket it already ended after the close
 * handshake (ws/lib/websocket.js: `socketOnEnd`, `socketOnClose`). Those three calls built three
 * errors with stack traces per connection: 14% of the instructions of a whole connect, echo and
 * close on raw ws (callgrind, 1.155 M → 0.992 M per connection). An object that already has an
 * `end` of its own (someone else's wrapper) is left as it is.
 */
export function quietRepeatedEnds(ws: WebSocket, socket: Duplex): void {
  const receiver = (ws as unknown as { _receiver?: Writable | null })._receiver;
  if (receiver != null && !Object.hasOwn(receiver, 'end')) receiver.end = endOnce;
  if (!Object.hasOwn(socket, 'end')) socket.end = endOnce;
}
