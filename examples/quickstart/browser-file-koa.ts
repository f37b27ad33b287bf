import Router from '@koa/router';
import Koa from 'koa';
import { createReadStream } from 'node:fs';
import { browserClientFile } from 'upsocket/koa';

const app = new Koa();
const router = new Router();
// The browser client, one ES module: <script type="module">import { connectResumable } from '/upsocket.js'</script>
router.get('/upsocket.js', (ctx) => {
  ctx.type = 'text/javascript';
  ctx.body = createReadStream(browserClientFile);
});
app.use(router.routes());
app.listen(Number(process.env.PORT ?? 3000));
