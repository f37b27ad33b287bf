import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { attach, open } from 'upsocket/node-http';

const server = http2.createSecureServer({
  key: readFileSync('key.pem'), cert: readFileSync('cert.pem'), // your host's certificate
  allowHTTP1: true, settings: { enableConnectProtocol: true }, // HTTP/1.1 too; WebSockets over HTTP/2
}, (req, res) => {
  const echo = open(req, async (connection) => {
    for await (const message of connection) connection.sendText(`HTTP/${req.httpVersion}: ${message.text()}`);
  });
  if (!echo) res.end('connect with a WebSocket');
});
attach(server); // routes HTTP/2 streams and HTTP/1.1 upgrades through the handler above
server.listen(3000, () => console.log('echo at wss://localhost:3000/ over HTTP/2 and HTTP/1.1'));
