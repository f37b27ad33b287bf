import Router, { type RouterContext } from '@koa/router';
import Koa from 'koa';
import http from 'node:http';
import { attach, websocket } from 'upsocket/koa';

const app = new Koa();
const router = new Router();
app.use(async (ctx, next) => (ctx.cookies.get('session') ? next() : ctx.throw(401, 'log in')));
router.get('/chat/:room', websocket(async (connection, ctx: RouterContext) => {
  for await (const message of connection) connection.sendText(`${ctx.params.room}: ${message.text()}`);
}), (ctx) => { ctx.body = 'join with a WebSocket'; });
app.use(router.routes());
const server = http.createServer(app.callback());
attach(server);
server.listen(3000, () => console.log('chat at ws://localhost:3000/chat/lobby (send a session cookie)'));
