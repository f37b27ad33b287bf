import { randomUUID } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { attach, websocket } from 'upsocket/express';

const app = express();
// Your session middleware (express-session with rolling: true refreshes its cookie on every
// request) and a request id: both are set on the response, so both go out with the 101.
app.use((req, res, next) => {
  res.setHeader('X-Request-Id', req.get('x-request-id') ?? randomUUID());
  res.cookie('seen', String(Date.now()), { httpOnly: true, maxAge: 30 * 60_000 });
  next();
});
app.get('/live', websocket((connection) => connection.sendText('hello')));

const server = http.createServer(app);
attach(server);
server.listen(3000);
