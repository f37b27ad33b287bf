// docs/deployment.md's HAProxy configuration, read out of the page, in front of two upsocket servers.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach, open, type Connection } from '../../src/adapters/node-http/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { describeNeeding, haproxy } from '../helpers/external-programs.js';
import { HaProxy, haproxyConfig } from '../helpers/haproxy.js';
import { substitute } from '../helpers/nginx.js';
import { TestClient } from '../helpers/ws-client.js';

/** A server on a free port whose connections say `name` and the address the app saw; `refusals` lists its statuses. */
async function namedServer(name: string) {
  const refusals: number[] = [];
  const server = http.createServer((req, res) => {
    const greet = async (connection: Connection): Promise<void> => {
      connection.sendText(`${name} ${String(req.headers['x-forwarded-for'])}`);
      await connection.read(); // open until the client or a drain closes it
    };
    if (!open(req, greet)) res.writeHead(404).end();
  });
  const upsocket = attach(server, { heartbeat: false, onRefuse: (refusal) => refusals.push(refusal.status) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = async (): Promise<void> => {
    await upsocket.close({ timeout: 200 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  onCleanup(() => (server.listening ? stop() : undefined));
  return { upsocket, refusals, port: (server.address() as { port: number }).port, stop };
}

/** Two named servers behind the page's HAProxy; `url` goes through it. */
async function twoBehindHaProxy() {
  const servers = [await namedServer('one'), await namedServer('two')] as const;
  let config = substitute(haproxyConfig(), 'bind :80', 'bind 127.0.0.1:{port}');
  config = substitute(config, 'server one 127.0.0.1:3000', `server one 127.0.0.1:${servers[0].port}`);
  config = substitute(config, 'server two 127.0.0.1:3001', `server two 127.0.0.1:${servers[1].port}`);
  const balancer = await HaProxy.start(config);
  onCleanup(() => balancer.stop());
  return { servers, url: `ws://127.0.0.1:${balancer.port}/` };
}

/** Opens `count` WebSockets one after the other (each from 127.0.0.2); what each server said. */
async function greetings(url: string, count: number): Promise<string[]> {
  const said: string[] = [];
  for (let i = 0; i < count; i++) {
    said.push(await (await TestClient.connect(url, undefined, { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '203.0.113.9' } })).nextText());
  }
  return said;
}

describe('docs/deployment.md', () => {
  it('has one haproxy block', () => expect(haproxyConfig()).toContain('retry-on conn-failure empty-response 502 503'));
});

describeNeeding('HAProxy in front of upsocket, configured as docs/deployment.md says', { needs: [haproxy] }, () => {
  it("opens WebSockets through it on both servers, with the client's address forwarded (not the one it claims)", async () => {
    const { url } = await twoBehindHaProxy();
    expect(new Set(await greetings(url, 4))).toEqual(new Set(['one 127.0.0.2', 'two 127.0.0.2']));
  }, 30_000);

  it("passes a draining server's 503 to the other server, and close() reaches clients as 1012", async () => {
    const { servers: [draining], url } = await twoBehindHaProxy();
    const clients = await Promise.all([1, 2, 3, 4].map(() => TestClient.connect(url)));
    await draining.upsocket.close();
    expect(await greetings(url, 6)).toEqual(Array(6).fill('two 127.0.0.2'));
    expect(draining.refusals.length).toBeGreaterThan(0);
    expect(draining.refusals.every((status) => status === 503)).toBe(true);
    // The clients on the drained server got 1012 through HAProxy; those on the survivor are still open.
    const closes = await Promise.all(clients.map((client) => Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 1000, 'open'))])));
    const drained = closes.filter((closed) => closed !== 'open');
    expect(drained.length).toBeGreaterThan(0);
    expect(drained).toEqual(drained.map(() => ({ code: 1012, reason: '' })));
  }, 30_000);

  it('sends upgrades on to the other server when one is stopped (refused connect)', async () => {
    const { servers: [stopped], url } = await twoBehindHaProxy();
    await stopped.stop();
    expect(await greetings(url, 4)).toEqual(Array(4).fill('two 127.0.0.2'));
  }, 30_000);
});
