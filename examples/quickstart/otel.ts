import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { instrument } from 'upsocket/otel';

// npm install @opentelemetry/exporter-prometheus, then:
//   import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
//   const prometheus = new PrometheusExporter({ port: 9464 }) // serves /metrics
declare const prometheus: MetricReader;

const meterProvider = new MeterProvider({ readers: [prometheus] });
instrument({ meterProvider });
