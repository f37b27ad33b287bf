import type { IncomingMessage } from 'node:http';

/** Receives errors thrown while handling a WebSocket. */
export type ErrorReporter = (error: unknown, request: IncomingMessage) => void;

/** @internal The default `onError`: one line on stderr with the request's method and URL. */
export function logError(error: unknown, request: IncomingMessage): void {
  console.error(`upsocket: WebSocket handler for ${request.method} ${request.url} failed:`, error);
}

/**
 * @internal Calls a callback of the user's (`onError`, `onRefuse`) with `report`, and logs it
 * instead if the callback throws, so a broken reporter never crashes the process. `name` and
 * `what` word that log line: `upsocket: onError threw while reporting an error:`.
 */
export function callSafely<Args extends [unknown, ...unknown[]]>(name: string, what: string, callback: (...args: Args) => void, ...report: Args): void {
  try {
    callback(...report);
  } catch (thrown) {
    console.error(`upsocket: ${name} threw while reporting ${what}:`, thrown, report[0]);
  }
}

/**
 * @internal Reports `error` to `onError`. `failed` says what failed when it was not a route's
 * handler (`routing the WebSocket upgrade GET /chat`): the default logger then says that instead
 * of its handler wording; a custom `onError` gets the error and the request either way.
 */
export function report(onError: ErrorReporter, error: unknown, request: IncomingMessage, failed?: string): void {
  if (failed !== undefined && onError === logError) console.error(`upsocket: ${failed} failed:`, error);
  else callSafely('onError', 'an error', onError, error, request);
}

/**
 * @internal The `onError` of a part that reports outside any request (the reconnecting client,
 * the Redis backend), guarded by `callSafely()`. Built once per instance.
 */
export function guardedOnError<Reported>(onError: (error: Reported) => void): (error: Reported) => void {
  return (error) => callSafely('onError', 'an error', onError, error);
}
