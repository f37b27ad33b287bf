import http from 'node:http';
import { createTopics } from 'upsocket';
import { attach, open } from 'upsocket/node-http';

const topics = createTopics({ envelope: true });
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const user = url.searchParams.get('user') ?? 'anonymous';
  const joined = open(req, async (connection) => {
    // The room's messages, and its members: a state, then diffs.
    await topics.subscribe(connection, 'room:lobby', { presence: true });
    // Listed until the connection closes (or tracking.untrack()).
    const tracking = topics.track(connection, 'room:lobby', user, { status: 'online' });
    for await (const message of connection) {
      if (message.text() === '/away') tracking.update({ status: 'away' });
      else await topics.publish('room:lobby', `${user}: ${message.text()}`);
    }
  });
  if (!joined) res.end('join with a WebSocket');
});
attach(server);
server.listen(3000);
