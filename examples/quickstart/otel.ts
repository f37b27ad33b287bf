import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { instrument } from 'upsocket/otel';

// `npm install @opentelemetry/exporter-prometheus`; its PrometheusExporter is a MetricReader that
// serves /metrics for Prometheus to scrape: new PrometheusExporter({ port: 9464 }).
declare const prometheus: MetricReader;

const meterProvider = new MeterProvider({ readers: [prometheus] });
instrument({ meterProvider });
