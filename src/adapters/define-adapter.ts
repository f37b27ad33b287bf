// One factory for every adapter's `open()` and `websocket()` (as hono's defineWebSocketHelper
// yields each runtime's helper): an adapter describes how its framework hands over a request and
// how its handlers chain; accepting, refusing and the connection's lifetime are the core's.
import type { Connection, Handler, Open, OpenOptions } from '../core/index.js';
import { openRoute, routesObserved } from '../core/internal.js';

/** `nodeRequest()`'s answer when the framework's own request object shows no WebSocket upgrade. */
export const notAnUpgrade: unique symbol = Symbol('not an upgrade');

/** What a framework's `websocket()` handler does with the result of `open()`. */
export type Accept<Input, Extra> = (input: Input, extra: Extra) => boolean;

/** How one framework hands a request to upsocket. */
export interface AdapterDescription<Input, Extra, Route> {
  /**
   * The Node request behind the framework's object, or `notAnUpgrade`. Anything else (a wrong
   * argument) goes to the core as it is, which throws `UPSOCKET_INVALID_OPTION` for it.
   */
  nodeRequest(input: Input): unknown;
  /** Runs once `open()` took the request (upgraded, or refused with an answer of its own). */
  taken?(input: Input): void;
  /**
   * The route pattern the framework matched for `input` (`/rooms/:room`), if it knows one: what
   * an `open()`'s own `maxConnections` counts under (default, or undefined: the request's path),
   * and the `route` of its `upsocket:open`/`upsocket:refused` (upsocket/otel's `http.route`).
   * `request` is `nodeRequest(input)`. Called only when one of them is wanted.
   */
  routeOf?(input: Input, request: object): unknown;
  /**
   * Whether the framework's object is the Node request itself (Express, node:http): then a
   * `websocket()` handler gets `connection.request`, the settled copy, and the routed request can
   * be freed once the connection opened.
   */
  inputIsNodeRequest?: boolean;
  /**
   * The handler `websocket()` returns. `accept(input, extra)` runs `open()` for the route's
   * handler, which gets `(connection, input, extra)`, and returns its result (and throws what it
   * throws); the route says what a plain HTTP request gets and where errors go.
   */
  route(accept: Accept<Input, Extra>): Route;
}

/** A `websocket()` handler's handler: runs for the life of the connection. */
export type RouteHandler<Input, Extra> = (connection: Connection, input: Input, extra: Extra) => void | Promise<void>;

/**
 * An adapter's `open` and `websocket`, from its description. `websocket()`'s handler may declare
 * what the app's middleware made of the framework's objects (a typed `req`, `ctx`, route context).
 */
export interface Adapter<Input, Extra, Route> {
  open: Open<Input>;
  websocket<HandlerInput extends Input, HandlerExtra extends Extra>(handler: RouteHandler<HandlerInput, HandlerExtra>, options?: OpenOptions): Route;
}

export function defineAdapter<Input, Extra = undefined, Route = never>(description: AdapterDescription<Input, Extra, Route>): Adapter<Input, Extra, Route> {
  const { nodeRequest, taken, route, routeOf, inputIsNodeRequest = false } = description;
  /**
   * `open()`, with `then` run once it took the request. `routeName` names the route for an own
   * `maxConnections`; undefined: the framework's pattern, looked up only when an own
   * `maxConnections` or a diagnostics subscriber wants it.
   */
  const opener =
    (then: ((input: Input) => void) | undefined, routeName: symbol | undefined): Open<Input> =>
    (input, handler, options) => {
      const request = nodeRequest(input);
      if (request === notAnUpgrade) return false;
      const pattern =
        routeOf !== undefined && typeof request === 'object' && request !== null && (options?.maxConnections !== undefined || routesObserved())
          ? routeOf(input, request)
          : undefined;
      const routeKey = routeName ?? (options?.maxConnections !== undefined ? pattern : undefined);
      if (!openRoute(request as Parameters<typeof openRoute>[0], handler, options, routeKey, pattern)) return false;
      then?.(input);
      return true;
    };
  return {
    open: opener(taken, undefined),
    websocket: <HandlerInput extends Input, HandlerExtra extends Extra>(handler: RouteHandler<HandlerInput, HandlerExtra>, options?: OpenOptions) => {
      // A websocket() handler given `connection.request` holds nothing of the routed request, so
      // there is nothing for `taken` to let go of. The route is defined once, here: it is what its
      // own maxConnections counts, wherever the framework mounts it.
      const openForRoute = opener(inputIsNodeRequest ? undefined : taken, Symbol('websocket() route'));
      return route((input, extra) => openForRoute(input, connectionHandler(handler, inputIsNodeRequest ? undefined : (input as HandlerInput), extra as HandlerExtra), options));
    },
  };
}

/**
 * The `Handler` that runs a route handler with what its framework passed (the handler's types are
 * the app's word for it), or with `connection.request` when `input` is left out: its own function,
 * so the closure holds only what it uses and a request given up stays given up.
 */
function connectionHandler<Input, Extra>(handler: RouteHandler<Input, Extra>, input: Input | undefined, extra: Extra): Handler {
  if (input === undefined) return (connection) => handler(connection, connection.request as Input, extra);
  return (connection) => handler(connection, input, extra);
}
