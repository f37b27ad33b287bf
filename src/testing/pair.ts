import type { IncomingHttpHeaders } from 'node:http';
import { Connection, type Handler, type OpenOptions } from '../core/index.js';
import { defineOptions, limitOptions, openOptions, runHandler, type Limits, type Resolved } from '../core/internal.js';
import { MemoryTransport } from './memory-transport.js';
import { switchingProtocolsResponse, upgradeRequest } from './requests.js';

/** The limits of one end of a `pair()`; each defaults as in `open()` and `connect()`. */
export type PairLimits = Pick<OpenOptions, 'maxMessageSize' | 'sendHighWaterMark' | 'receiveHighWaterMark'>;

/** Options of `pair()`. Top-level limits apply to both ends; `server` and `client` override them per end. */
export interface PairOptions extends PairLimits {
  /** `connection.request.url` on the server end. Default: '/'. */
  url?: string | undefined;
  /** Headers of the server end's `connection.request`, e.g. what your middleware would have read. */
  headers?: IncomingHttpHeaders | undefined;
  /** `connection.protocol` on both ends. Default: ''. */
  protocol?: string | undefined;
  server?: PairLimits | undefined;
  client?: PairLimits | undefined;
  /** Receives what a handler given to `pair(handler)` throws. Default: logs it to stderr, as the server does. */
  onError?: OpenOptions['onError'] | undefined;
}

/** The options of `pair()`: the limits of both ends (each end's own resolved over them below). */
type PairSettings = Limits & Resolved<Pick<PairOptions, 'url' | 'headers' | 'protocol' | 'onError'>> & Pick<PairOptions, 'server' | 'client'>;

const pairOptions = defineOptions<PairSettings>({
  ...limitOptions.specs,
  url: { default: '/' },
  headers: { default: {} },
  protocol: { default: '' },
  server: { default: undefined },
  client: { default: undefined },
  onError: openOptions.specs.onError,
});

/**
 * Two connected `Connection`s in memory, `[server, client]`: no TCP, no HTTP. They behave like a
 * real connection where a handler can tell: messages arrive asynchronously and in order; the
 * close handshake reports the code the peer sent (1005 for none) and `ClosedError` for unclean
 * closes; `maxMessageSize` closes both ends with 1009; backpressure is real (`bufferedAmount`
 * grows while the other end does not read, `flush()` waits, a full receive queue stops reading).
 * With a handler, runs it on the server end with the server's lifetime rules (return → close
 * 1000, throw → close 1011 and `onError`).
 *
 * @example
 * import { pair } from 'upsocket/testing'
 * import { expect, it } from 'vitest'
 *
 * it('echoes', async () => {
 *   const [, client] = pair(echoHandler)
 *   client.sendText('hi')
 *   expect((await client.read())?.text()).toBe('hi')
 *   await client.close()
 * })
 */
export function pair(options?: PairOptions): [server: Connection, client: Connection];
export function pair(handler: Handler, options?: PairOptions): [server: Connection, client: Connection];
export function pair(handlerOrOptions?: Handler | PairOptions, maybeOptions?: PairOptions): [server: Connection, client: Connection] {
  const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : undefined;
  const givenOptions = typeof handlerOrOptions === 'function' ? maybeOptions : handlerOrOptions;
  const { url, headers, protocol, server: serverLimits, client: clientLimits, onError, ...limits } = pairOptions.resolve('pair()', givenOptions);
  // One resolved set of limits per end: its maxMessageSize goes to its transport, the marks to its Connection.
  const serverSettings = limitOptions.resolve('pair() options.server', serverLimits, limits);
  const clientSettings = limitOptions.resolve('pair() options.client', clientLimits, limits);
  const [serverTransport, clientTransport] = MemoryTransport.pair(serverSettings, clientSettings);
  const server = new Connection(serverTransport, {
    request: upgradeRequest(url, headers, protocol),
    protocol,
    sendHighWaterMark: serverSettings.sendHighWaterMark,
    receiveHighWaterMark: serverSettings.receiveHighWaterMark,
  });
  const client = new Connection(clientTransport, {
    request: switchingProtocolsResponse(protocol),
    protocol,
    sendHighWaterMark: clientSettings.sendHighWaterMark,
    receiveHighWaterMark: clientSettings.receiveHighWaterMark,
  });
  if (handler !== undefined) void runHandler(server, handler, onError);
  return [server, client];
}
