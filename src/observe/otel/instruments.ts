import { metrics, type Attributes, type Meter, type MeterProvider } from '@opentelemetry/api';

// The instruments upsocket/otel records, in OpenTelemetry's semantic-convention style: dotted
// lower-case names under `upsocket.`, UCUM units, standard attribute names where one exists
// (`http.route`, `http.response.status_code`), `websocket.close.code` for the close code.

const durationBuckets = [0.1, 1, 5, 15, 60, 300, 900, 3600, 14_400, 86_400];

/** @internal */
export function createInstruments(meterProvider: MeterProvider | undefined) {
  const meter: Meter = (meterProvider ?? metrics).getMeter('upsocket');
  return {
    meter,
    upgrades: meter.createCounter('upsocket.upgrades', { unit: '{upgrade}', description: 'WebSocket upgrade requests received' }),
    refusals: meter.createCounter('upsocket.refusals', { unit: '{upgrade}', description: 'Upgrades refused with an HTTP error' }),
    shed: meter.createCounter('upsocket.upgrades.shed', { unit: '{upgrade}', description: 'Upgrades refused over maxPendingUpgrades or upgradesPerSecond, before the app saw them' }),
    // Read from the core's gauge when the metrics are collected.
    pending: meter.createObservableGauge('upsocket.upgrades.pending', { unit: '{upgrade}', description: 'Upgrades being routed through the app now' }),
    active: meter.createUpDownCounter('upsocket.connections.active', { unit: '{connection}', description: 'Open WebSocket connections' }),
    opened: meter.createCounter('upsocket.connections.opened', { unit: '{connection}', description: 'WebSocket connections opened' }),
    duration: meter.createHistogram('upsocket.connection.duration', {
      unit: 's',
      description: 'How long WebSocket connections stayed open',
      // Connections last seconds to days: the SDK's default buckets (0 to 10000) are for milliseconds.
      advice: { explicitBucketBoundaries: durationBuckets },
    }),
    errors: meter.createCounter('upsocket.errors', { unit: '{error}', description: 'Errors reported to onError' }),
    // Observed when the metrics are collected, from the core's counts: nothing runs per message.
    messages: meter.createObservableCounter('upsocket.messages', { unit: '{message}', description: 'WebSocket messages received and sent' }),
    bytes: meter.createObservableCounter('upsocket.message.bytes', { unit: 'By', description: 'Payload bytes of WebSocket messages received and sent' }),
    pauses: meter.createCounter('upsocket.pauses', { unit: '{pause}', description: 'Times reading or sending paused at a high-water mark (backpressure)' }),
    rateLimited: meter.createUpDownCounter('upsocket.connections.rate_limited', {
      unit: '{connection}',
      description: 'Connections whose messages the rate limit holds now',
    }),
    rateLimitPauses: meter.createCounter('upsocket.rate_limit.pauses', { unit: '{pause}', description: 'Times the rate limit started holding a connection' }),
    rateLimitCloses: meter.createCounter('upsocket.rate_limit.closes', { unit: '{connection}', description: "Connections closed over rateLimit (policy 'close', 1008)" }),
    heartbeatTimeouts: meter.createCounter('upsocket.heartbeat.timeouts', { unit: '{connection}', description: 'Connections dropped for a missed pong' }),
    topicPublishes: meter.createCounter('upsocket.topic.publishes', { unit: '{message}', description: 'topics.publish() calls' }),
    topicDeliveries: meter.createCounter('upsocket.topic.deliveries', { unit: '{message}', description: 'Topic messages written to local subscribers' }),
    slowSubscribers: meter.createCounter('upsocket.topic.slow_subscriber_closes', { unit: '{connection}', description: 'Subscribers closed with 1013' }),
    topicGaps: meter.createCounter('upsocket.topic.gaps', { unit: '{gap}', description: 'Times subscribers missed topic messages the history could not bring back' }),
  };
}

/** @internal */
export type Instruments = ReturnType<typeof createInstruments>;

/** @internal Attributes with `http.route` when the route is known. */
export function routeAttributes(route: string | undefined): Attributes {
  return route === undefined ? {} : { 'http.route': route };
}
