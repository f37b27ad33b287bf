import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import express from 'express';
import http from 'node:http';
import { attach, websocket } from 'upsocket/express';
import { instrument } from 'upsocket/otel';

// No second port: the exporter answers the app's own /metrics (keep it off the public internet).
const prometheus = new PrometheusExporter({ preventServerStart: true });
instrument({ meterProvider: new MeterProvider({ readers: [prometheus] }) });
const app = express();
app.get('/metrics', (req, res) => prometheus.getMetricsRequestHandler(req, res));
app.get('/rooms/:room', websocket(async (connection) => {
  for await (const message of connection) connection.sendText(message.text());
}));
const server = http.createServer(app);
attach(server);
server.listen(Number(process.env.PORT ?? 3000));
