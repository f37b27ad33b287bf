// WebSockets over HTTP/2 (RFC 8441) on node:http2 servers: side by side with HTTP/1.1, several on
// one session, topics, resume, heartbeat, shutdown, raw 'stream' listeners (handleStream). Bad
// input: http2-bad-input.test.ts.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { handleStream, open, type Connection } from '../../../src/adapters/node-http/index.js';
import { connect, createTopics, reconnecting } from '../../../src/index.js';
import { nodeHttp2Fixture } from '../../conformance/node-http2.fixture.js';
import { selfSignedCertificate } from '../../helpers/certificate.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { connectClient } from '../../helpers/client.js';
import { deferred } from '../../helpers/deferred.js';
import { describeNeeding, openssl } from '../../helpers/external-programs.js';
import { echo, readAll } from '../../helpers/handlers.js';
import { ask, connectHeaders, session, startH2c } from '../../helpers/http2-client.js';
import { until } from '../../helpers/server.js';
import { TestClient } from '../../helpers/ws-client.js';
describe('WebSockets over HTTP/2 (RFC 8441)', () => {
  it('routes the extended CONNECT through the app as a GET, answers :status 200 and echoes', async () => {
    const seen = deferred<{ method: string | undefined; httpVersion: string; protocol: unknown }>();
    const { wsUrl } = await startH2c(async (connection) => {
      const { method, httpVersion, headers } = connection.request;
      seen.resolve({ method, httpVersion, protocol: headers[':protocol'] });
      await echo(connection);
    });
    const client = await connectClient(`${wsUrl}/rooms/lobby`, { http2: true });
    expect(client.request.statusCode).toBe(200);
    client.sendText('over h2');
    expect((await client.read())?.text()).toBe('over h2');
    expect(await seen.promise).toEqual({ method: 'GET', httpVersion: '2.0', protocol: 'websocket' });
  });

  it('topics fan out to HTTP/2 streams (the shared frame is written on the stream)', async () => {
    const topics = createTopics();
    const subscribed = deferred<void>();
    let joined = 0;
    const { wsUrl, origin } = await startH2c(async (connection) => {
      await topics.subscribe(connection, 'news');
      if (++joined === 2) subscribed.resolve();
      await connection.closed;
    });
    const shared = await session(origin);
    const [a, b] = await Promise.all([connectClient(`${wsUrl}/rooms/a`, { http2: shared }), connectClient(`${wsUrl}/rooms/b`, { http2: shared })]);
    await subscribed.promise;
    await topics.publish('news', 'extra');
    await topics.publish('news', new Uint8Array([1, 2, 3]));
    for (const client of [a, b]) {
      expect((await client.read())?.text()).toBe('extra');
      expect([...((await client.read())?.data ?? [])]).toEqual([1, 2, 3]);
    }
  });

  it('the heartbeat drops a stream whose peer never answers pings; a rate limit closes with 1008', async () => {
    const closes: number[] = [];
    const { wsUrl, origin } = await startH2c(
      async (connection) => {
        const { code } = await connection.closed;
        closes.push(code);
      },
      { heartbeat: 100, rateLimit: { messages: 1, interval: 60_000, policy: 'close' } },
    );
    const client = await session(origin);
    // A raw stream reads nothing and never pongs.
    const silent = client.request(connectHeaders('/rooms/silent'), { endStream: false });
    silent.resume();
    await new Promise((resolve) => silent.once('close', resolve));
    expect(closes).toEqual([1006]);
    const chatty = await connectClient(`${wsUrl}/rooms/chatty`, { http2: client });
    chatty.sendText('one');
    chatty.sendText('two');
    expect(await chatty.closed).toEqual({ code: 1008, reason: 'Rate limit exceeded' });
    expect(client.closed).toBe(false);
  });

  it('carries several WebSockets and plain requests on one session; each closes on its own', async () => {
    const { wsUrl, origin, upsocket } = await startH2c(echo);
    const shared = await session(origin);
    const [a, b] = await Promise.all([connectClient(`${wsUrl}/rooms/a`, { http2: shared }), connectClient(`${wsUrl}/rooms/b`, { http2: shared })]);
    expect(await ask(shared, { ':path': '/rooms/a' })).toMatchObject({ status: 200, body: 'room a over HTTP' });
    await a.close(4000, 'bye');
    b.sendText('still here');
    expect((await b.read())?.text()).toBe('still here');
    await until(() => upsocket.connections.size === 1, 5000, 'one connection left');
    expect(shared.closed).toBe(false);
  });

  it('refuses with a :status and a one-line reason: auth middleware, unknown path, origin, subprotocol', async () => {
    const { origin } = await startH2c(echo, { protocols: ['chat.v1'] });
    const client = await session(origin);
    expect(await ask(client, connectHeaders('/rooms/lobby', { 'x-auth': 'deny' }))).toMatchObject({ status: 401, body: 'denied by auth middleware' });
    expect(await ask(client, connectHeaders('/nowhere'))).toMatchObject({ status: 404 });
    expect(await ask(client, connectHeaders('/rooms/lobby', { origin: 'https://evil.example' }))).toMatchObject({
      status: 403,
      body: 'Origin https://evil.example is not allowed\n',
    });
    expect(await ask(client, connectHeaders('/rooms/lobby', { 'sec-websocket-protocol': 'other' }))).toMatchObject({ status: 400 });
    // Same origin by :authority is allowed.
    const same = await ask(client, connectHeaders('/rooms/lobby', { origin, 'x-auth': 'deny' }));
    expect(same.status).toBe(401);
  });

  it('close() closes HTTP/2 WebSockets with 1012 (its default) and answers later CONNECTs 503 with Retry-After', async () => {
    const { wsUrl, origin, upsocket } = await startH2c(async (connection) => void (await readAll(connection)));
    const shared = await session(origin);
    const client = await connectClient(`${wsUrl}/rooms/lobby`, { http2: shared });
    const closing = upsocket.close({ timeout: 2000, retryAfter: 7 });
    expect(await client.closed).toEqual({ code: 1012, reason: '' });
    await closing;
    const refused = await ask(shared, connectHeaders('/rooms/lobby'));
    expect(refused).toMatchObject({ status: 503, body: 'Server is shutting down\n' });
    expect(refused.headers['retry-after']).toBe('7');
  });

  it('reconnecting() passes http2 through: a dropped stream comes back over HTTP/2, on the session given', async () => {
    let opened = 0;
    const versions: string[] = [];
    const { wsUrl, origin } = await startH2c(async (connection) => {
      opened++;
      versions.push(connection.request.httpVersion);
      if (opened === 1) return connection.close(4000, 'again');
      await connection.closed;
    });
    const shared = await session(origin);
    const client = reconnecting(`${wsUrl}/rooms/lobby`, (connection) => connection.closed.then(() => {}), {
      http2: shared,
      initialDelay: 10,
      maxDelay: 10,
    });
    onCleanup(() => client.close());
    await until(() => opened === 2 && client.state === 'open', 5000, 'the second connection');
    expect(versions).toEqual(['2.0', '2.0']);
    expect(shared.closed).toBe(false);
  });

  it('reconnecting({ resume: true, http2: true }) gets what was published while its stream was down, once each', async () => {
    const topics = createTopics({ history: { maxMessages: 100 }, envelope: true });
    const serverSide: Connection[] = [];
    let subscribed = 0;
    const { wsUrl } = await startH2c(async (connection) => {
      serverSide.push(connection);
      await topics.subscribe(connection, 'room');
      subscribed++;
      await connection.closed;
    });
    const texts: string[] = [];
    const client = reconnecting(
      `${wsUrl}/rooms/lobby`,
      async (connection) => {
        for await (const message of connection) texts.push((message.json() as { text: string }).text);
      },
      { http2: true, resume: true, initialDelay: 50, maxDelay: 50 },
    );
    onCleanup(() => client.close());
    await until(() => subscribed === 1, 5000, 'the first subscription');
    await topics.publish('room', 'before');
    await until(() => texts.length === 1, 5000, 'before');
    serverSide[0]!.terminate();
    const away = Array.from({ length: 5 }, (_, index) => `away ${index}`);
    for (const text of away) await topics.publish('room', text);
    await until(() => subscribed === 2, 5000, 'the resumed subscription');
    await topics.publish('room', 'after');
    await until(() => texts.at(-1) === 'after', 5000, 'after');
    expect(texts).toEqual(['before', ...away, 'after']);
    expect(serverSide[1]!.request.url).toContain('upsocket-resume=');
  });

  it('handleStream() accepts a stream from a raw stream listener, with the same checks', async () => {
    const server = http2.createServer({ settings: { enableConnectProtocol: true } });
    const refusals: number[] = [];
    server.on('stream', (stream, headers) => {
      if (headers[':path'] === '/live') handleStream(stream, headers, echo, { onRefuse: (refusal) => refusals.push(refusal.status) });
      else stream.respond({ ':status': 404 }, { endStream: true });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = await session(origin);
    const connection = await connectClient(`${origin.replace('http', 'ws')}/live`, { http2: client });
    connection.sendText('raw');
    expect((await connection.read())?.text()).toBe('raw');
    expect(await ask(client, connectHeaders('/live', { 'sec-websocket-version': '12' }))).toMatchObject({ status: 400 });
    expect(refusals).toEqual([400]);
    await connection.close();
  });
});

describeNeeding('WebSockets over HTTP/2 and HTTP/1.1 on one TLS port', { needs: [openssl] }, () => {
  it('serves an HTTP/1.1 upgrade and an HTTP/2 stream side by side (createSecureServer, allowHTTP1)', async () => {
    const versions: string[] = [];
    const started = await nodeHttp2Fixture({ secure: true }).start({
      handler: async (connection) => {
        versions.push(connection.request.httpVersion);
        await echo(connection);
      },
    });
    const { cert } = await selfSignedCertificate();
    const overH1 = await TestClient.connect(`${started.wsUrl}/rooms/one`, undefined, { ca: cert });
    const overH2 = await connect(`${started.wsUrl}/rooms/two`, started.connectOptions?.());
    onCleanup(() => overH2.terminate());
    overH1.ws.send('h1');
    overH2.sendText('h2');
    expect(await overH1.nextText()).toBe('h1');
    expect((await overH2.read())?.text()).toBe('h2');
    expect(versions.sort()).toEqual(['1.1', '2.0']);
  });
});
