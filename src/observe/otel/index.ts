// upsocket/otel: upsocket's diagnostics channels and message counts as OpenTelemetry metrics.
// https://opentelemetry.io/docs/specs/semconv/general/metrics/
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Attributes, BatchObservableCallback, MeterProvider } from '@opentelemetry/api';
import { countMessages, pendingUpgrades, rateLimitCloseReason, type Connection, type UpsocketChannels } from '../../core/internal.js';
import { createInstruments, routeAttributes } from './instruments.js';

/**
 * Options of `instrument()`. `meterProvider` is typed by the one method used, so these
 * declarations import nothing from `@opentelemetry/api` (any version's `MeterProvider` fits).
 */
export interface InstrumentOptions {
  /** Where the instruments come from (an OpenTelemetry `MeterProvider`). Default: the global one (`metrics` of `@opentelemetry/api`). */
  meterProvider?: { getMeter(name: string): unknown } | undefined;
  /**
   * The route of a request, for the `http.route` attribute. Default: the route pattern the
   * framework matched, as the adapter knows it (`upsocket:open`'s `route`: Express's route under
   * its router's mount path, @koa/router's matched route, the route Next matched), else Express's
   * `req.route.path` when set (an `open()` of upsocket/node-http inside Express).
   */
  route?: ((request: IncomingMessage) => string | undefined) | undefined;
}

/** What `instrument()` returns. */
export interface Instrumentation {
  /** Stops recording (the instruments stay with the meter). */
  stop(): void;
}

function expressRoute(request: IncomingMessage): string | undefined {
  const path = (request as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' ? path : undefined;
}

type Listeners = { [Name in keyof UpsocketChannels]?: (message: UpsocketChannels[Name]) => void };

/**
 * Records upsocket's diagnostics channels as OpenTelemetry metrics: `upsocket.connections.active`,
 * `upsocket.connection.duration` (s), `upsocket.messages`, `upsocket.refusals` and the others in
 * docs/observability.md. Connections and messages from before the call are not counted; messages and bytes are
 * read from the core's counters when the metrics are collected, so a message publishes no event
 * for them. Needs `@opentelemetry/api`.
 *
 * @example
 * import { instrument } from 'upsocket/otel'
 * const instrumentation = instrument({ meterProvider })
 */
export function instrument(options: InstrumentOptions = {}): Instrumentation {
  const meters = createInstruments(options.meterProvider as MeterProvider | undefined);
  const ownRoute = options.route;
  const routeOf = (request: IncomingMessage, route: string | undefined): string | undefined =>
    ownRoute === undefined ? (route ?? expressRoute(request)) : ownRoute(request);
  // The attributes each connection opened with: its close records the same ones.
  const opened = new WeakMap<Connection, Attributes>();
  // Connections the rate limit holds, counted since instrument(): their release subtracts them.
  const held = new WeakSet<Connection>();
  const listeners: Listeners = {
    'upsocket:upgrade': () => meters.upgrades.add(1),
    'upsocket:refused': ({ request, status, route, shed }) => {
      meters.refusals.add(1, { ...routeAttributes(routeOf(request, route)), 'http.response.status_code': status });
      if (shed !== undefined) meters.shed.add(1);
    },
    'upsocket:open': ({ connection, request, route }) => {
      const attributes = routeAttributes(routeOf(request, route));
      opened.set(connection, attributes);
      meters.active.add(1, attributes);
      meters.opened.add(1, attributes);
    },
    'upsocket:close': ({ connection, code, reason, duration }) => {
      if (code === 1008 && reason === rateLimitCloseReason) meters.rateLimitCloses.add(1);
      const attributes = opened.get(connection);
      if (attributes === undefined) return;
      opened.delete(connection);
      meters.active.add(-1, attributes);
      if (duration !== undefined) meters.duration.record(duration / 1000, { ...attributes, 'websocket.close.code': code });
    },
    'upsocket:error': () => meters.errors.add(1),
    'upsocket:pause': ({ connection, direction, reason }) => {
      if (reason === 'highWaterMark') return meters.pauses.add(1, direction === 'receive' ? received : sent);
      held.add(connection);
      meters.rateLimited.add(1);
      meters.rateLimitPauses.add(1);
    },
    'upsocket:resume': ({ connection, reason }) => {
      if (reason === 'rateLimit' && held.delete(connection)) meters.rateLimited.add(-1);
    },
    'upsocket:heartbeat-timeout': () => meters.heartbeatTimeouts.add(1),
    'upsocket:publish': () => meters.topicPublishes.add(1),
    'upsocket:deliver': ({ subscribers }) => meters.topicDeliveries.add(subscribers),
    'upsocket:slow-subscriber': () => meters.slowSubscribers.add(1),
    'upsocket:topic-gap': () => meters.topicGaps.add(1),
  };
  const subscribed = Object.entries(listeners) as [string, (message: unknown) => void][];
  for (const [name, listener] of subscribed) subscribe(name, listener);
  // Messages and bytes are the core's counts, read when the metrics are collected: a message costs
  // a few integer additions, not a diagnostics event and two instrument calls. Counted from now.
  const counts = countMessages();
  const { messagesReceived, messagesSent, bytesReceived, bytesSent } = counts;
  const observeMessages: BatchObservableCallback = (result) => {
    result.observe(meters.messages, counts.messagesReceived - messagesReceived, received);
    result.observe(meters.messages, counts.messagesSent - messagesSent, sent);
    result.observe(meters.bytes, counts.bytesReceived - bytesReceived, received);
    result.observe(meters.bytes, counts.bytesSent - bytesSent, sent);
    result.observe(meters.pending, pendingUpgrades);
  };
  const observed = [meters.messages, meters.bytes, meters.pending];
  meters.meter.addBatchObservableCallback(observeMessages, observed);
  return {
    stop() {
      for (const [name, listener] of subscribed) unsubscribe(name, listener);
      meters.meter.removeBatchObservableCallback(observeMessages, observed);
    },
  };
}

// One attributes object per direction, shared by every observation.
const received: Attributes = Object.freeze({ 'upsocket.direction': 'receive' });
const sent: Attributes = Object.freeze({ 'upsocket.direction': 'send' });
