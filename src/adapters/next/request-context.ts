import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';

const key = Symbol.for('upsocket.next.request-context');

/**
 * The Node request being handled, for App Router route handlers, which only get a Web `Request`.
 * Next bundles route code, so the `upsocket/next` a route imports is another copy of this module
 * than the custom server's: the storage lives on `globalThis` for both copies to find.
 *
 * @internal
 */
export const requestContext: AsyncLocalStorage<IncomingMessage> = ((globalThis as Record<symbol, AsyncLocalStorage<IncomingMessage> | undefined>)[
  key
] ??= new AsyncLocalStorage<IncomingMessage>());
