import express, { type Request } from 'express';
import http from 'node:http';
import { attach, websocket } from 'upsocket/express';

const app = express();
app.use((req, res, next) => (req.headers.cookie?.includes('session=') ? next() : res.status(401).send('log in')));
app.get('/chat/:room', websocket(async (connection, req: Request<{ room: string }>) => {
  for await (const message of connection) connection.sendText(`${req.params.room}: ${message.text()}`);
}));
app.get('/chat/:room', (_req, res) => res.send('join with a WebSocket'));
const server = http.createServer(app);
attach(server);
server.listen(3000, () => console.log('chat at ws://localhost:3000/chat/lobby (send a session cookie)'));
