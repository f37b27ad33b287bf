// upsocket/otel instrumented into the real OpenTelemetry SDK for one test: the in-memory exporter
// holds the points recorded so far.
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { instrument } from '../../src/observe/otel/index.js';
import { onCleanup } from '../helpers/cleanup.js';

/** Starts recording; `collect()` returns the metrics recorded so far, by name. */
export function startMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = instrument({ meterProvider });
  onCleanup(async () => {
    instrumentation.stop();
    await meterProvider.shutdown();
  });
  const collect = async (): Promise<Map<string, MetricData>> => {
    await reader.forceFlush();
    const metrics = exporter.getMetrics().at(-1)?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
    return new Map(metrics.map((metric) => [metric.descriptor.name, metric]));
  };
  return { collect };
}

/** A metric's data points, as `{ attributes, value }`. */
export function points(metric: MetricData | undefined): { attributes: Record<string, unknown>; value: unknown }[] {
  return (metric?.dataPoints as DataPoint<unknown>[] | undefined)?.map(({ attributes, value }) => ({ attributes, value })) ?? [];
}
