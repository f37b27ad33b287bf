import { createReadStream } from 'node:fs';
import http from 'node:http';
import { browserClientFile } from 'upsocket/node-http';

const server = http.createServer((req, res) => {
  // The browser client, one ES module: <script type="module">import { connectResumable } from '/upsocket.js'</script>
  if (new URL(req.url ?? '/', 'http://localhost').pathname === '/upsocket.js') {
    return void createReadStream(browserClientFile).pipe(res.writeHead(200, { 'content-type': 'text/javascript' }));
  }
  res.writeHead(404).end();
});
server.listen(Number(process.env.PORT ?? 3000));
