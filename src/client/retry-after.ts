import { HandshakeError } from './handshake-error.js';

// RFC 9110 §10.2.3: Retry-After is delay-seconds (a whole number) or an HTTP-date. Only the
// statuses that mean "come back later" are believed: 503 (full, shutting down) and 429 (too many).
const delaySeconds = /^\s*(\d+)\s*$/;
// Every HTTP-date form starts with the day's name; Date.parse alone takes '-1' for a year.
const httpDate = /^\s*[A-Za-z]{3}/;

/**
 * @internal How long, in ms, the server asked the client to wait before trying again: the
 * `Retry-After` of a refused handshake answered 503 or 429. Undefined for any other error, or a
 * header that is neither a number of seconds nor a date; 0 for a date already past.
 */
export function retryAfterOf(error: unknown, now: number = Date.now()): number | undefined {
  if (!(error instanceof HandshakeError) || error.code !== 'UPSOCKET_HANDSHAKE_FAILED') return undefined;
  if (error.status !== 503 && error.status !== 429) return undefined;
  const header = error.headers['retry-after'];
  if (typeof header !== 'string') return undefined;
  const seconds = delaySeconds.exec(header)?.[1];
  if (seconds !== undefined) return Number(seconds) * 1000;
  const date = httpDate.test(header) ? Date.parse(header) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
