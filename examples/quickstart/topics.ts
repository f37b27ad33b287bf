import http from 'node:http';
import { createTopics } from 'upsocket';
import { attach, open } from 'upsocket/node-http';

const topics = createTopics(); // memory backend: one process, nothing to install
const server = http.createServer((req, res) => {
  const room = new URL(req.url ?? '/', 'http://localhost').searchParams.get('room') ?? 'lobby';
  const joined = open(req, async (connection) => {
    await topics.subscribe(connection, `room:${room}`);
    for await (const message of connection) await topics.publish(`room:${room}`, message.text());
  });
  if (!joined) res.end('join with a WebSocket');
});
attach(server);
server.listen(3000, () => console.log('rooms at ws://localhost:3000/?room=lobby'));
// Anything in the process can publish, e.g. a background job:
setInterval(() => void topics.publish('room:lobby', { type: 'clock', now: Date.now() }), 60_000);
