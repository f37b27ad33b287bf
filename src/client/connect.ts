import type { Duplex } from 'node:stream';
import { openClient } from './handshake.js';
import { connectOptions, type ConnectOptions } from './options.js';
import { type CloseInfo, type Connection, type Handler } from '../core/index.js';
import { runHandler } from '../core/internal.js';

/**
 * Runs `handler` on a client connection with the server's lifetime rules (return → close 1000,
 * throw → close 1011) and settles once the connection is closed: with how it closed, or with the
 * handler's error. A `ClosedError` the handler lets escape after the server left is no failure:
 * the close code says what happened.
 */
async function runToEnd(opening: Promise<Connection>, handler: Handler): Promise<CloseInfo> {
  const connection = await opening;
  let failure: { error: unknown } | undefined;
  await runHandler(connection, handler, (error) => (failure = { error }));
  const info = await connection.closed;
  if (failure !== undefined) throw failure.error;
  return info;
}

/**
 * @internal `connect()` with the arguments already sorted out, and optionally another way to get
 * the byte stream than TCP (the testing entry's `inject()`).
 */
export function connectWith(
  url: string | URL,
  handler: Handler | undefined,
  options: ConnectOptions | undefined,
  createConnection?: () => Duplex,
  caller = 'connect()',
): Promise<Connection | CloseInfo> {
  try {
    const opening = openClient(url, connectOptions.resolve(caller, options), createConnection);
    return handler === undefined ? opening : runToEnd(opening, handler);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Opens a WebSocket to `url` (`ws:`, `wss:`, `http:` or `https:`) and resolves with the same
 * `Connection` a server handler gets: `read()`, `sendText()`, `flush()`, `close()` and
 * `ClosedError` work the same way on both sides. `connection.request` is the server's HTTP 101
 * response (its headers, e.g. `set-cookie`, and `statusCode`), since a client has no request to
 * show. Rejects with `HandshakeError` when the server refuses (status, headers and body of its
 * answer), times out or cannot be reached, and with `signal.reason` when `signal` aborts first.
 *
 * With a handler, runs it for the life of the connection under the server's rules: when it
 * returns, pending writes are flushed and the connection closes with 1000; when it throws, the
 * connection closes with 1011. The promise then resolves once the connection is closed, with its
 * close code and reason, or rejects with the handler's error.
 *
 * @example
 * const connection = await connect('wss://api.example/feed', {
 *   headers: { authorization: `Bearer ${token}` },
 * })
 * connection.sendJSON({ subscribe: 'prices' })
 * for await (const message of connection) console.log(message.json())
 *
 * @example
 * const { code } = await connect('ws://localhost:3000/rooms/lobby', async (connection) => {
 *   connection.sendText('hello')
 *   console.log((await connection.read())?.text())
 * }) // code === 1000 once the handler returned and the close handshake finished
 */
export function connect(url: string | URL, options?: ConnectOptions): Promise<Connection>;
export function connect(url: string | URL, handler: Handler, options?: ConnectOptions): Promise<CloseInfo>;
export function connect(
  url: string | URL,
  handlerOrOptions?: Handler | ConnectOptions,
  options?: ConnectOptions,
): Promise<Connection | CloseInfo> {
  if (typeof handlerOrOptions === 'function') return connectWith(url, handlerOrOptions, options);
  return connectWith(url, undefined, handlerOrOptions);
}
