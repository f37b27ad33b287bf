// upsocket/otel with the real OpenTelemetry SDK: the in-memory exporter holds the expected points.
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type Histogram } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import Router from '@koa/router';
import express from 'express';
import Koa from 'koa';
import { hasSubscribers } from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { attach, websocket } from '../../src/adapters/express/index.js';
import * as koa from '../../src/adapters/koa/index.js';
import { instrument } from '../../src/observe/otel/index.js';
import { points, startMetrics } from './metrics.js';
import { onCleanup } from '../helpers/cleanup.js';
import { delay, listen } from '../helpers/server.js';
import { expectRefusal, TestClient } from '../helpers/ws-client.js';

describe('upsocket/otel', () => {
  it('records connections, durations, messages and refusals with their attributes', async () => {
    const { collect } = startMetrics();
    const app = express();
    app.get(
      '/rooms/:room',
      websocket(async (connection) => {
        for await (const message of connection) connection.sendText(message.text());
      }),
    );
    const server = http.createServer(app);
    const { wsUrl } = await listen(server, attach(server, { onRefuse: () => {} }));

    await expectRefusal(`${wsUrl}/rooms/1`, { origin: 'https://evil.example' });
    const client = await TestClient.connect(`${wsUrl}/rooms/1`);
    const other = await TestClient.connect(`${wsUrl}/rooms/2`);
    client.ws.send('ping!');
    expect(await client.nextText()).toBe('ping!');
    let metrics = await collect();
    expect(points(metrics.get('upsocket.connections.active'))).toEqual([{ attributes: { 'http.route': '/rooms/:room' }, value: 2 }]);

    client.ws.close(1000);
    other.ws.close(4000);
    await Promise.all([client.closed, other.closed]);
    const activeNow = () => Number(points(metrics.get('upsocket.connections.active'))[0]?.value);
    for (let i = 0; i < 100 && activeNow() !== 0; i++) {
      await delay(10);
      metrics = await collect();
    }

    expect(points(metrics.get('upsocket.connections.active'))).toEqual([{ attributes: { 'http.route': '/rooms/:room' }, value: 0 }]);
    expect(points(metrics.get('upsocket.connections.opened'))).toEqual([{ attributes: { 'http.route': '/rooms/:room' }, value: 2 }]);
    expect(points(metrics.get('upsocket.upgrades'))).toEqual([{ attributes: {}, value: 3 }]);
    // The refusal comes before any route matched (origin is checked in open()): the route is known.
    expect(points(metrics.get('upsocket.refusals'))).toEqual([
      { attributes: { 'http.route': '/rooms/:room', 'http.response.status_code': 403 }, value: 1 },
    ]);
    expect(points(metrics.get('upsocket.messages'))).toEqual([
      { attributes: { 'upsocket.direction': 'receive' }, value: 1 },
      { attributes: { 'upsocket.direction': 'send' }, value: 1 },
    ]);
    expect(points(metrics.get('upsocket.message.bytes')).map((point) => point.value)).toEqual([5, 5]);

    const duration = metrics.get('upsocket.connection.duration');
    expect(duration?.descriptor.unit).toBe('s');
    const byCode = new Map(points(duration).map((point) => [point.attributes['websocket.close.code'], point]));
    expect([...byCode.keys()].sort()).toEqual([1000, 4000]);
    for (const point of byCode.values()) {
      expect(point.attributes['http.route']).toBe('/rooms/:room');
      const histogram = point.value as Histogram;
      expect(histogram.count).toBe(1);
      expect(histogram.sum).toBeGreaterThan(0);
      expect(histogram.sum).toBeLessThan(5);
    }
  });

  it('stop() ends recording', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    onCleanup(() => meterProvider.shutdown());
    instrument({ meterProvider }).stop();
    const server = http.createServer(express().get('/', websocket(() => {})));
    const { wsUrl } = await listen(server, attach(server, { onRefuse: () => {} }));
    await expectRefusal(`${wsUrl}/`, { origin: 'https://evil.example' });
    await reader.forceFlush();
    const recorded = exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    expect(recorded.filter((metric) => metric.dataPoints.length > 0)).toEqual([]);
  });

  it('feeds Prometheus: a real PrometheusExporter serves the metrics under Prometheus names', async () => {
    const metricsUrl = await startPrometheus();
    const app = express();
    app.get('/rooms/:room', websocket(async (connection) => {
      for await (const message of connection) connection.sendText(message.text());
    }));
    const server = http.createServer(app);
    const { wsUrl } = await listen(server, attach(server, { onRefuse: () => {} }));
    await expectRefusal(`${wsUrl}/rooms/1`, { origin: 'https://evil.example' });
    const client = await TestClient.connect(`${wsUrl}/rooms/7`);
    client.ws.send('hi');
    expect(await client.nextText()).toBe('hi');

    const scraped = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(scraped).toMatch(/^upsocket_connections_active\{http_route="\/rooms\/:room"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_refusals_total\{[^}]*http_response_status_code="403"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_messages_total\{[^}]*upsocket_direction="receive"[^}]*\} 1$/m);
  });

  it('gives Koa routes their @koa/router pattern as http.route, on a real Prometheus scrape', async () => {
    const metricsUrl = await startPrometheus();
    const app = new Koa();
    const rooms = new Router({ prefix: '/rooms' });
    // open() in a route of a prefixed router, and websocket() with a route cap that refuses the second.
    rooms.get('/:id', (ctx) => {
      if (!koa.open(ctx, async (connection) => {
        for await (const message of connection) connection.sendText(message.text());
      })) ctx.body = 'WebSocket only';
    });
    rooms.get('/:id/solo', koa.websocket(() => new Promise(() => {}), { maxConnections: 1 }));
    app.use(rooms.routes());
    const server = http.createServer(app.callback());
    const { wsUrl } = await listen(server, koa.attach(server, { onRefuse: () => {} }));

    const client = await TestClient.connect(`${wsUrl}/rooms/7`);
    client.ws.send('hi');
    expect(await client.nextText()).toBe('hi');
    await TestClient.connect(`${wsUrl}/rooms/7/solo`);
    await expectRefusal(`${wsUrl}/rooms/8/solo`);

    const scraped = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(scraped).toMatch(/^upsocket_connections_active\{http_route="\/rooms\/:id"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_connections_active\{http_route="\/rooms\/:id\/solo"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_refusals_total\{http_route="\/rooms\/:id\/solo",http_response_status_code="503"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_messages_total\{[^}]*upsocket_direction="send"[^}]*\} 1$/m);
    expect(scraped).toMatch(/^upsocket_message_bytes_total\{[^}]*upsocket_direction="receive"[^}]*\} 2$/m);
  });

  it("gives an Express route its router's mount path in http.route", async () => {
    const { collect } = startMetrics();
    const api = express.Router();
    api.get('/rooms/:room', websocket(() => new Promise(() => {})));
    const server = http.createServer(express().use('/api', api));
    const { wsUrl } = await listen(server, attach(server, { onRefuse: () => {} }));
    await TestClient.connect(`${wsUrl}/api/rooms/3`);
    const metrics = await collect();
    expect(points(metrics.get('upsocket.connections.opened'))).toEqual([{ attributes: { 'http.route': '/api/rooms/:room' }, value: 1 }]);
  });

  it('publishes nothing per message: messages and bytes are read from counters when collected', () => {
    const { collect } = startMetrics();
    expect(hasSubscribers('upsocket:message')).toBe(false);
    return collect();
  });
});

/** A PrometheusExporter whose handler answers on a server of the test's own (port 0) instead of its own on 9464. */
async function startPrometheus(): Promise<string> {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [prometheus] });
  const instrumentation = instrument({ meterProvider });
  onCleanup(async () => {
    instrumentation.stop();
    await meterProvider.shutdown();
  });
  const metricsServer = http.createServer((req, res) => prometheus.getMetricsRequestHandler(req, res));
  await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
  return `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
}
