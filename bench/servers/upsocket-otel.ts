// upsocket node-http with `instrument()` from upsocket/otel on a real OpenTelemetry SDK
// MeterProvider (in-memory exporter, exported every 10 s): the observability-cost table.
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { instrument } from 'upsocket/otel';
import type { StartServer } from './contract.js';
import { start as startNodeHttp } from './upsocket-node-http.js';

export const start: StartServer = async (config) => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 10_000 });
  instrument({ meterProvider: new MeterProvider({ readers: [reader] }) });
  return startNodeHttp(config);
};
