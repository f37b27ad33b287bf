import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { instrument } from 'upsocket/otel';

// Serves /metrics on port 9464 for Prometheus to scrape.
const prometheus = new PrometheusExporter({ port: 9464 });
const meterProvider = new MeterProvider({ readers: [prometheus] });
instrument({ meterProvider });
