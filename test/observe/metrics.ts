// upsocket/otel with the real OpenTelemetry SDK: an in-memory exporter holds the recorded points.
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

/** `instrument()` into a fresh SDK meter provider for one test; `collect()` reads what it recorded. */
export function startMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = instrument({ meterProvider });
  onCleanup(async () => {
    instrumentation.stop();
    await meterProvider.shutdown();
  });
  /** The metrics recorded so far, by name. */
  const collect = async (): Promise<Map<string, MetricData>> => {
    await reader.forceFlush();
    const metrics = exporter.getMetrics().at(-1)?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
    return new Map(metrics.map((metric) => [metric.descriptor.name, metric]));
  };
  return { collect };
}

/** A metric's points: attributes and value. */
export function points(metric: MetricData | undefined): { attributes: Record<string, unknown>; value: unknown }[] {
  return (metric?.dataPoints as DataPoint<unknown>[] | undefined)?.map(({ attributes, value }) => ({ attributes, value })) ?? [];
}
