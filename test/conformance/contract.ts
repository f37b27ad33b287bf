import type { AttachOptions, Connection, OpenOptions } from '../../src/index.js';
import type { StartedServer } from '../helpers/server.js';

/** What the standard app's middleware and route hand the suite's handler. */
export interface RouteContext {
  /** The `:room` route parameter, extracted the framework's way. */
  room: string;
  /** Set by the app's middleware from the `x-user` header ('anonymous' without it). */
  user: string;
}

/**
 * The app every adapter fixture builds, in its framework's own idiom:
 * - middleware first: `x-auth: deny` → 401 with body `denied by auth middleware`; otherwise it
 *   records the user from `x-user`;
 * - `GET /rooms/:room`: `open(request, connection => handler(connection, context), options)`; a
 *   plain GET gets 200 `room <room> over HTTP`;
 * - any other path: the framework's own 404.
 */
export interface AppSpec {
  handler: (connection: Connection, context: RouteContext) => void | Promise<void>;
  options?: OpenOptions | undefined;
  attachOptions?: AttachOptions | undefined;
}

/** Typed capability flags: the suite picks tests by what an adapter can do, never by its name. */
export interface Capabilities {
  /** The framework answers unknown paths with its own 404 page (rather than a bare status). */
  frameworkNotFoundPage: boolean;
  /**
   * The route pattern `upsocket:open` (and upsocket/otel's `http.route`) reports for the standard
   * route, in the framework's own spelling; undefined where the framework matches no pattern.
   */
  routePattern: string | undefined;
  /** WebSockets open over HTTP/2 (RFC 8441): the answer is `:status 200`, not a 101. */
  http2?: boolean;
}

export interface AdapterFixture {
  /** For test titles only. */
  label: string;
  capabilities: Capabilities;
  start(spec: AppSpec): Promise<StartedServer>;
}
