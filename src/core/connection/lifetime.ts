import type { IncomingMessage } from 'node:http';
import type { Connection } from './connection.js';
import { ClosedError } from './errors.js';
import { publishError } from './publish.js';
import { report } from './report.js';

/**
 * Runs for the life of one connection. When it returns, pending writes are flushed and the
 * connection closes with 1000; when it throws, the connection closes with 1011 and the error goes
 * to `onError` (it is never sent to the client).
 */
export type Handler = (connection: Connection) => void | Promise<void>;

function finish(connection: Connection): void {
  if (connection.state === 'open') void connection.close(1000);
}

function fail(connection: Connection, error: unknown, onError: (error: unknown, request: IncomingMessage) => void): void {
  // A ClosedError escaping the handler after the connection ended means the peer went away or
  // we were shutting down: that is the network, not a bug to report.
  if (error instanceof ClosedError && connection.state !== 'open') return;
  if (connection.state === 'open') void connection.close(1011);
  publishError(error, connection.request, connection);
  report(onError, error, connection.request);
}

/**
 * @internal Runs `handler` with the lifetime rules above; resolves when it settled, never rejects.
 * `onSettled` runs then too: cheaper than a second promise chained on this one, which an idle
 * connection would keep for its whole life.
 */
export function runHandler(
  connection: Connection,
  handler: Handler,
  onError: (error: unknown, request: IncomingMessage) => void,
  onSettled?: () => void,
): Promise<void> {
  let result: void | Promise<void>;
  try {
    result = handler(connection);
  } catch (error) {
    fail(connection, error, onError);
    onSettled?.();
    return Promise.resolve();
  }
  return Promise.resolve(result).then(
    () => {
      finish(connection);
      onSettled?.();
    },
    (error: unknown) => {
      fail(connection, error, onError);
      onSettled?.();
    },
  );
}
