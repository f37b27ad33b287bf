import http = require('node:http');
import upsocket = require('upsocket/node-http');

const server = http.createServer((req, res) => {
  const echo = upsocket.open(req, async (connection) => {
    for await (const message of connection) connection.sendText(message.text());
  });
  if (!echo) res.end('connect with a WebSocket');
});
upsocket.attach(server); // once: routes upgrades through the handler above
server.listen(3000, () => console.log('echo at ws://localhost:3000/'));
