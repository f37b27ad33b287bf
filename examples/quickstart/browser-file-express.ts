import express from 'express';
import { browserClientFile } from 'upsocket/express';

const app = express();
// The browser client, one ES module: <script type="module">import { connectResumable } from '/upsocket.js'</script>
app.get('/upsocket.js', (_req, res) => res.sendFile(browserClientFile));
app.listen(Number(process.env.PORT ?? 3000));
