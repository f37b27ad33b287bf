import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attach, open, type Connection } from '../../src/adapters/node-http/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { describeNeeding, nginx } from '../helpers/external-programs.js';
import { startExample, stopExample, type ExampleProcess } from '../helpers/example-process.js';
import { deploymentConfig, Nginx, substitute } from '../helpers/nginx.js';
import { delay, listen } from '../helpers/server.js';
import { expectRefusal, TestClient } from '../helpers/ws-client.js';

// docs/deployment.md's nginx configuration, read out of the page, in front of the page's server
// (examples/deployment/server.ts), both run as they are: only the ports and nginx's own paths change.
const authorized = { authorization: 'Bearer let-me-in' };

/**
 * nginx as the page configures it, proxying to the servers on `appPorts` (the page's two upstream
 * servers; one port given stands for both), with `site` changed by `adjust`.
 */
function startNginx(appPorts: number | [number, number], adjust: (site: string) => string = (site) => site): Promise<Nginx> {
  const [first, second] = typeof appPorts === 'number' ? [appPorts, appPorts] : appPorts;
  const { site, main } = deploymentConfig();
  let ported = substitute(site, 'listen 80;', 'listen 127.0.0.1:{port};');
  ported = substitute(ported, 'server 127.0.0.1:3000 max_fails=0;', `server 127.0.0.1:${first} max_fails=0;`);
  ported = substitute(ported, 'server 127.0.0.1:3001 max_fails=0;', `server 127.0.0.1:${second} max_fails=0;`);
  return Nginx.start({ main, site: adjust(ported) });
}

/** A server on a free port whose upgrades open a connection that says `name`; `refusals` counts its 503s. */
async function namedServer(name: string, port = 0) {
  const refusals: number[] = [];
  const server = http.createServer((req, res) => {
    if (!open(req, (connection) => connection.sendText(name))) res.writeHead(404).end();
  });
  const upsocket = attach(server, { heartbeat: false, onRefuse: (refusal) => refusals.push(refusal.status) });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const stop = async (): Promise<void> => {
    await upsocket.close({ timeout: 200 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  onCleanup(() => (server.listening ? stop() : undefined));
  return { server, upsocket, refusals, port: (server.address() as { port: number }).port, stop };
}

/** Two named servers behind the page's nginx (its two upstream servers); `url` goes through nginx. */
async function twoBehindNginx(first: string, second: string) {
  const servers = [await namedServer(first), await namedServer(second)] as const;
  const balancer = await startNginx([servers[0].port, servers[1].port]);
  onCleanup(() => balancer.stop());
  return { servers, url: `ws://127.0.0.1:${balancer.port}/` };
}

/** Opens `count` WebSockets through nginx one after the other; resolves with what each server said. */
async function greetings(url: string, count: number): Promise<string[]> {
  const said: string[] = [];
  for (let i = 0; i < count; i++) said.push(await (await TestClient.connect(url)).nextText());
  return said;
}

async function echo(connection: Connection): Promise<void> {
  for await (const message of connection) connection.sendText(message.text());
}

describe('docs/deployment.md', () => {
  it('embeds examples/deployment/server.ts verbatim, the server the nginx tests run', () => {
    const root = join(import.meta.dirname, '../..');
    const page = readFileSync(join(root, 'docs/deployment.md'), 'utf8');
    const server = readFileSync(join(root, 'examples/deployment/server.ts'), 'utf8');
    expect([...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])).toEqual([server]);
  });
});

/** A client from its own loopback address (127.0.0.x), so each test is a different client to the caps. */
function connectFrom(host: number, url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  return TestClient.connect(url, undefined, { localAddress: `127.0.0.${host}`, headers: { ...authorized, ...headers } });
}

describeNeeding('nginx in front of upsocket, configured as docs/deployment.md says', { needs: [nginx] }, () => {
  let app: ExampleProcess;
  let proxy: Nginx;
  let url: string;

  beforeAll(async () => {
    // Missing under UPSOCKET_EXTERNAL_CLIENTS=1: each test fails naming it (describeNeeding).
    if (nginx.path() === undefined) return;
    app = await startExample('deployment/server.ts');
    proxy = await startNginx(app.port);
    url = `ws://127.0.0.1:${proxy.port}/chat`;
  }, 30_000);

  afterAll(async () => {
    await proxy?.stop();
    if (app) await stopExample(app);
  });

  it('keeps nginx within the descriptors a process may hold here (worker_rlimit_nofile ≤ 20000)', () => {
    const limit = /worker_rlimit_nofile\s+(\d+);/.exec(deploymentConfig().main)?.[1];
    expect(Number(limit)).toBeGreaterThan(0);
    expect(Number(limit)).toBeLessThanOrEqual(20_000);
  });

  it('opens the WebSocket through nginx, which echoes, and the app sees the client\'s address, not nginx\'s', async () => {
    const client = await connectFrom(2, url);
    expect(JSON.parse(await client.nextText())).toEqual({ you: '127.0.0.2' });
    client.ws.send('through nginx');
    expect(await client.nextText()).toBe('through nginx');
    expect(proxy.errorLog()).toBe('');
  });

  it('replaces the X-Forwarded-For and Forwarded a client sends, so it cannot choose its address', async () => {
    const client = await connectFrom(3, url, { 'x-forwarded-for': '203.0.113.9', forwarded: 'for=203.0.113.9' });
    expect(JSON.parse(await client.nextText())).toEqual({ you: '127.0.0.3' });
  });

  it('caps each client address on its own (trustProxy): one client at its max does not lock out the next', async () => {
    const full = await Promise.all(Array.from({ length: 10 }, () => connectFrom(4, url)));
    expect(full).toHaveLength(10);
    const refused = await expectRefusal(url, { localAddress: '127.0.0.4', headers: authorized });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.body).toContain('Too many connections from this client (connectionsPerClient: 10)');
    // Another address gets in, even one claiming to be the full client.
    const next = await connectFrom(5, url, { 'x-forwarded-for': '127.0.0.4', forwarded: 'for=127.0.0.4' });
    expect(JSON.parse(await next.nextText())).toEqual({ you: '127.0.0.5' });
  });

  it('passes the auth middleware\'s refusal back as HTTP (401 and its body), before any 101', async () => {
    const refused = await expectRefusal(url, { localAddress: '127.0.0.6' });
    expect(refused.status).toBe(401);
    expect(refused.body).toBe('log in first');
    expect(refused.headers.server).toMatch(/^nginx/);
  });

  it('keeps the host the browser addressed: a same-origin page is accepted, a foreign one gets 403', async () => {
    const page = await connectFrom(7, url, { origin: `http://127.0.0.1:${proxy.port}` });
    expect(JSON.parse(await page.nextText())).toEqual({ you: '127.0.0.7' });
    const foreign = await expectRefusal(url, { localAddress: '127.0.0.7', headers: { ...authorized, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
  });

  it('closes every connection with 1012 through nginx on SIGTERM, and the server exits', async () => {
    const restarting = await startExample('deployment/server.ts');
    const ownProxy = await startNginx(restarting.port);
    try {
      const clients = await Promise.all([8, 9].map((host) => connectFrom(host, `ws://127.0.0.1:${ownProxy.port}/chat`)));
      for (const client of clients) await client.nextText();
      const exited = new Promise((resolve) => restarting.child.once('exit', (code) => resolve(code)));
      restarting.child.kill('SIGTERM');
      for (const client of clients) expect(await client.closed).toEqual({ code: 1012, reason: 'restarting' });
      expect(await exited).toBe(0);
    } finally {
      await ownProxy.stop();
      await stopExample(restarting);
    }
  }, 30_000);

  it("passes a draining server's 503 to the other server: the client gets its 101 from the survivor", async () => {
    const { servers: [draining], url } = await twoBehindNginx('draining', 'survivor');
    // Both serve: round robin reaches each.
    expect(new Set(await greetings(url, 4))).toEqual(new Set(['draining', 'survivor']));
    await draining.upsocket.close();
    // Draining: every upgrade nginx tried there got 503 and went on to the survivor.
    expect(await greetings(url, 6)).toEqual(Array(6).fill('survivor'));
    expect(draining.refusals.length).toBeGreaterThan(0);
    expect(draining.refusals.every((status) => status === 503)).toBe(true);
  }, 30_000);

  it('sends upgrades to a restarted server again at once (max_fails=0), not after fail_timeout', async () => {
    const { servers: [restarting], url } = await twoBehindNginx('first life', 'survivor');
    // Down: its connects fail and nginx goes on to the survivor (a failure nginx counts).
    await restarting.stop();
    expect(await greetings(url, 4)).toEqual(Array(4).fill('survivor'));
    // Back on the same port: with the default max_fails=1 nginx would skip it for 10 s.
    await namedServer('second life', restarting.port);
    expect(await greetings(url, 6)).toContain('second life');
  }, 30_000);

  it('keeps an idle connection open past proxy_read_timeout while the heartbeat is shorter; without it nginx cuts it (1006)', async () => {
    // The page's timing scaled down: proxy_read_timeout 1 s against a 250 ms heartbeat, idle for 2.5 s.
    const server = http.createServer((req, res) => {
      const heartbeat = req.url === '/beat' ? 250 : false;
      if (!open(req, echo, { heartbeat })) res.writeHead(404).end();
    });
    const { server: listening } = await listen(server, attach(server, { onRefuse: () => {} }));
    const { port } = listening.address() as { port: number };
    const shortTimeout = await startNginx(port, (site) => substitute(site, 'proxy_read_timeout 75s;', 'proxy_read_timeout 1s;'));
    onCleanup(() => shortTimeout.stop());
    const base = `ws://127.0.0.1:${shortTimeout.port}`;
    const [beating, quiet] = await Promise.all([TestClient.connect(`${base}/beat`), TestClient.connect(`${base}/quiet`)]);
    await delay(2500);
    beating.ws.send('still here');
    expect(await beating.nextText()).toBe('still here');
    expect((await quiet.closed).code).toBe(1006);
  }, 30_000);
});
