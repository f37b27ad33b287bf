import type { IncomingMessage } from 'node:http';

/** An upgrade upsocket answered with an HTTP error instead of a 101, as `onRefuse` is told. */
export interface RefusedUpgrade {
  method: string;
  url: string;
  /**
   * The status sent: 400 (not a valid handshake, no common subprotocol), 403 (origin), 404 (no
   * request listener to route through), 426 (WebSocket version), 429 (`connectionsPerClient`), 500
   * (routing failed, `attach()` missing, a wrong `handleUpgrade()` call) or 503 (shutting down,
   * `maxConnections`, Next.js not ready yet).
   */
  status: 400 | 403 | 404 | 426 | 429 | 500 | 503;
  /** The one-line reason sent as the body, e.g. `Origin https://evil.example is not allowed`. */
  reason: string;
  /** The client's address, as the socket reports it (a proxy's, behind one); undefined once it left. */
  remoteAddress: string | undefined;
}

/** Receives the upgrades upsocket refused. */
export type RefusalReporter = (refusal: RefusedUpgrade, request: IncomingMessage) => void;

/** @internal The default `onRefuse`: one line on stderr. */
export function logRefusal(refusal: RefusedUpgrade): void {
  const from = refusal.remoteAddress ?? 'a client that left';
  console.warn(`upsocket: refused ${refusal.method} ${refusal.url} from ${from}: ${refusal.status} ${refusal.reason}`);
}
