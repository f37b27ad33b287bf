import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { handleStream } from 'upsocket/node-http';

const server = http2.createSecureServer({
  key: readFileSync('key.pem'), cert: readFileSync('cert.pem'),
  settings: { enableConnectProtocol: true }, // attach() announces it itself; without attach(), you do
});
server.on('stream', (stream, headers) => {
  if (headers[':path'] !== '/echo' || headers[':protocol'] !== 'websocket') return void stream.respond({ ':status': 404 }, { endStream: true });
  handleStream(stream, headers, async (connection) => {
    for await (const message of connection) connection.sendText(message.text());
  });
});
server.listen(3000);
