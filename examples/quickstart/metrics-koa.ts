import Router from '@koa/router';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import Koa from 'koa';
import http from 'node:http';
import { attach, websocket } from 'upsocket/koa';
import { instrument } from 'upsocket/otel';

// No second port: the exporter answers the app's own /metrics (keep it off the public internet).
const prometheus = new PrometheusExporter({ preventServerStart: true });
instrument({ meterProvider: new MeterProvider({ readers: [prometheus] }) });
const router = new Router();
router.get('/metrics', (ctx) => {
  ctx.respond = false; // the exporter writes the response itself
  prometheus.getMetricsRequestHandler(ctx.req, ctx.res);
});
router.get('/rooms/:room', websocket(async (connection) => {
  for await (const message of connection) connection.sendText(message.text());
}));
const server = http.createServer(new Koa().use(router.routes()).callback());
attach(server);
server.listen(Number(process.env.PORT ?? 3000));
