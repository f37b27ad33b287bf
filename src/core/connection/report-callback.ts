import type { IncomingMessage } from 'node:http';
import { report, type ErrorReporter } from './report.js';

/**
 * `report()` takes the request an error belongs to; the parts that report outside any request
 * (the reconnecting client, the Redis backend) have none. report() reads it only to log routing
 * failures, which these never are, and otherwise passes it on to `onError`, whose signature there
 * takes the error alone.
 */
const noRequest = undefined as unknown as IncomingMessage;

/**
 * @internal How a part without a request reports errors, built once from its resolved `onError`:
 * through the core's `report()`, so a throwing `onError` is logged and never crashes the process.
 */
export function reporterFor<Reported>(onError: (error: Reported) => void): (error: Reported) => void {
  const reporter = onError as ErrorReporter;
  return (error) => report(reporter, error, noRequest);
}
