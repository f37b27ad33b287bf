import type { IncomingMessage } from 'node:http';

/** Receives errors thrown while handling a WebSocket. */
export type ErrorReporter = (error: unknown, request: IncomingMessage) => void;

/** @internal Where an error happened: in a route's handler, or before one ran (routing the upgrade, a missing `attach()`). */
export type ErrorStage = 'handler' | 'routing';

/** @internal The default `onError`: one line on stderr with the request's method and URL. */
export function logError(error: unknown, request: IncomingMessage): void {
  console.error(`upsocket: WebSocket handler for ${request.method} ${request.url} failed:`, error);
}

/**
 * @internal Reports an error to `onError` without letting a broken reporter crash the process.
 * The default logger says which stage failed; a custom `onError` gets the error and the request.
 */
export function report(onError: ErrorReporter, error: unknown, request: IncomingMessage, stage: ErrorStage = 'handler'): void {
  try {
    if (stage === 'routing' && onError === logError) {
      console.error(`upsocket: routing the WebSocket upgrade ${request.method} ${request.url} failed:`, error);
    } else {
      onError(error, request);
    }
  } catch (reportError) {
    console.error('upsocket: onError threw while reporting an error:', reportError, error);
  }
}
