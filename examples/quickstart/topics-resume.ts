import http from 'node:http';
import { createTopics, resumePoints } from 'upsocket';
import { attach, open } from 'upsocket/node-http';

// Each room keeps its last 1000 messages for 10 minutes; subscribers get the envelope.
const topics = createTopics({ history: { maxMessages: 1000, maxAge: 600_000 }, envelope: true });
const server = http.createServer((req, res) => {
  const joined = open(req, async (connection) => {
    // A reconnecting client sends ?upsocket-resume={"room:lobby":"<last id>"}
    const since = resumePoints(req)['room:lobby'];
    // Replays what it missed, sends the seam marker (with "gap":true if some is gone), then live.
    await topics.subscribe(connection, 'room:lobby', { since });
    for await (const message of connection) await topics.publish('room:lobby', message.text());
  });
  if (!joined) res.end('join with a WebSocket');
});
attach(server);
server.listen(3000);
