// upsocket's Express adapter: an app-level middleware, then the route made with websocket().
import http from 'node:http';
import express from 'express';
import { attach, websocket } from 'upsocket/express';
import { ECHO_PATH, type StartServer } from './contract.js';
import { identify, type Identified } from './middleware.js';
import { echo } from './upsocket-echo.js';
import { upsocketBench, upsocketOptions } from './upsocket-node-http.js';

export const start: StartServer = async (config) => {
  const app = express();
  app.use((req: Identified & http.IncomingMessage, _res, next) => {
    req.benchUser = identify(req);
    next();
  });
  app.get(ECHO_PATH, websocket(echo));
  const server = http.createServer(app);
  return upsocketBench(server, attach(server, upsocketOptions(config)));
};
