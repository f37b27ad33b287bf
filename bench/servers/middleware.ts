import type { IncomingMessage } from 'node:http';

/**
 * The one middleware every framework server runs before its route: a stand-in for auth that reads
 * a header and stores what it found on the request, as session or token middleware would.
 */
export function identify(request: IncomingMessage): string {
  const user = request.headers['x-bench-user'];
  return typeof user === 'string' ? user : 'anonymous';
}

export interface Identified {
  benchUser?: string;
}
