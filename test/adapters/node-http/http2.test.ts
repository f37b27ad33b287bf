// WebSockets over HTTP/2 (RFC 8441) on node:http2 servers: side by side with HTTP/1.1, many on one
// session, shutdown, raw 'stream' listeners (handleStream), and what bad or hostile input gets.
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { attach, handleStream, open, type Connection } from '../../../src/adapters/node-http/index.js';
import { connect, createTopics, reconnecting, type OpenOptions, type RefusedUpgrade } from '../../../src/index.js';
import { listenHttp2, nodeHttp2Fixture } from '../../conformance/node-http2.fixture.js';
import { selfSignedCertificate } from '../../helpers/certificate.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { connectClient } from '../../helpers/client.js';
import { deferred } from '../../helpers/deferred.js';
import { describeNeeding, openssl } from '../../helpers/external-programs.js';
import { echo, readAll } from '../../helpers/handlers.js';
import { until } from '../../helpers/server.js';
import { TestClient } from '../../helpers/ws-client.js';

/** An h2c session to `origin`, destroyed after the test. */
async function session(origin: string, options: http2.SecureClientSessionOptions = {}): Promise<ClientHttp2Session> {
  const opened = http2.connect(origin, options);
  opened.on('error', () => {});
  onCleanup(() => opened.destroy());
  await new Promise<void>((resolve) => opened.once('remoteSettings', () => resolve()));
  return opened;
}

/** Sends a request on `client` and collects its answer. */
function ask(client: ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = client.request(headers, { endStream: headers[':method'] !== 'CONNECT' });
    let body = '';
    let answer: IncomingHttpHeaders = {};
    stream.setEncoding('utf8');
    stream.on('response', (received) => (answer = received));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status: Number(answer[':status']), headers: answer, body }));
    stream.on('error', reject);
  });
}

const connectHeaders = (path: string, extra: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders => ({
  ':method': 'CONNECT',
  ':protocol': 'websocket',
  ':scheme': 'http',
  ':path': path,
  'sec-websocket-version': '13',
  ...extra,
});

/** The standard app on an h2c server, its URL, and what it refused. */
async function startH2c(handler: (connection: Connection) => void | Promise<void>, options?: OpenOptions) {
  const refusals: RefusedUpgrade[] = [];
  const started = await nodeHttp2Fixture({ secure: false }).start({
    handler,
    options: { ...options, onRefuse: (refusal) => refusals.push(refusal) },
    attachOptions: { onRefuse: (refusal) => refusals.push(refusal) },
  });
  return { ...started, refusals, origin: started.httpUrl };
}

/** A masked client text frame (payload < 126 bytes). */
function textFrame(text: string, fin = true): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | 0x1, 0x80 | payload.length]), mask, masked]);
}

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

  it('answers CONNECT without :protocol 405, another :protocol 501, a missing or wrong version 400 with sec-websocket-version: 13', async () => {
    const { origin, refusals } = await startH2c(echo);
    const client = await session(origin);
    const plain = await ask(client, { ':method': 'CONNECT', ':authority': 'example.com:443' });
    expect(plain).toMatchObject({ status: 405, body: 'CONNECT without :protocol: this server opens no tunnels\n' });
    const other = await ask(client, connectHeaders('/rooms/lobby', { ':protocol': 'webtransport' }));
    expect(other).toMatchObject({ status: 501, body: 'Unsupported :protocol webtransport (supported: websocket)\n' });
    for (const version of [undefined, '8']) {
      const headers = connectHeaders('/rooms/lobby');
      if (version === undefined) delete headers['sec-websocket-version'];
      else headers['sec-websocket-version'] = version;
      const answer = await ask(client, headers);
      expect(answer).toMatchObject({ status: 400, body: 'Unsupported WebSocket version (supported: 13)\n' });
      expect(answer.headers['sec-websocket-version']).toBe('13');
    }
    // Only the WebSocket refusals are told to onRefuse; the session served every stream.
    expect(refusals.map((refusal) => refusal.status)).toEqual([400, 400]);
    expect(await ask(client, { ':path': '/rooms/x' })).toMatchObject({ status: 200 });
  });

  it('a stream reset mid-message ends that connection with 1006; the session and its other WebSockets go on', async () => {
    const outcomes: Promise<Awaited<ReturnType<typeof readAll>>>[] = [];
    const { wsUrl, origin } = await startH2c((connection) => {
      const outcome = readAll(connection);
      outcomes.push(outcome);
      return outcome.then(() => {});
    });
    const client = await session(origin);
    const healthy = await connectClient(`${wsUrl}/rooms/healthy`, { http2: client });
    const raw: ClientHttp2Stream = client.request(connectHeaders('/rooms/raw'), { endStream: false });
    await new Promise((resolve) => raw.once('response', resolve));
    raw.write(textFrame('whole'));
    raw.write(textFrame('half of a mess', false).subarray(0, 8));
    await until(() => outcomes.length === 2, 5000, 'both handlers');
    raw.close(http2.constants.NGHTTP2_CANCEL);
    const { messages, end } = await outcomes[1]!;
    expect(messages).toEqual(['whole']);
    expect(end).toMatchObject({ closeCode: 1006 });
    healthy.sendText('ping');
    await healthy.close();
    expect((await outcomes[0]!).messages).toEqual(['ping']);
    expect(client.closed).toBe(false);
  });

  it('a peer that stops reading holds flush() at the stream buffer; other streams of its session go on', async () => {
    const flushed = deferred<boolean>();
    const sent = deferred<number>();
    const { wsUrl, origin } = await startH2c(
      async (connection) => {
        if (connection.request.url === '/rooms/other') return echo(connection);
        const chunk = 'x'.repeat(16 * 1024);
        let total = 0;
        // 8 MiB into a peer that reads nothing: HTTP/2 flow control stops it at its windows.
        for (let i = 0; i < 512; i++) {
          connection.sendText(chunk);
          total += chunk.length;
        }
        sent.resolve(total);
        const timer = setTimeout(() => flushed.resolve(false), 500);
        await connection.flush();
        clearTimeout(timer);
        flushed.resolve(true);
      },
      { sendHighWaterMark: 64 * 1024 },
    );
    const client = await session(origin);
    const stalled = client.request(connectHeaders('/rooms/stalled'), { endStream: false });
    stalled.pause();
    await new Promise((resolve) => stalled.once('response', resolve));
    await sent.promise;
    expect(await flushed.promise).toBe(false);
    const other = await connectClient(`${wsUrl}/rooms/other`, { http2: client });
    other.sendText('not stuck');
    expect((await other.read())?.text()).toBe('not stuck');
  });

  it('a handler that does not read pauses the stream: HTTP/2 flow control holds the sender, nothing is lost', async () => {
    const start = deferred<void>();
    const received = deferred<number>();
    const { wsUrl } = await startH2c(
      async (connection) => {
        await start.promise;
        let count = 0;
        for await (const message of connection) if (message.text().length === 16 * 1024) count++;
        received.resolve(count);
      },
      { receiveHighWaterMark: 64 * 1024 },
    );
    const client = await connectClient(`${wsUrl}/rooms/lobby`, { http2: true, sendHighWaterMark: 64 * 1024 });
    const chunk = 'z'.repeat(16 * 1024);
    for (let i = 0; i < 256; i++) client.sendText(chunk);
    // 4 MiB sent into a server that reads nothing: its receive queue pauses the stream at 64 KiB,
    // the stream's window closes, and the client's bytes wait on the client.
    const flushed = await Promise.race([client.flush().then(() => true), new Promise((resolve) => setTimeout(resolve, 500, false))]);
    expect(flushed).toBe(false);
    expect(client.bufferedAmount).toBeGreaterThan(1024 * 1024);
    start.resolve();
    await client.flush();
    await client.close();
    expect(await received.promise).toBe(256);
  });

  it('holds hundreds of WebSockets on one session: caps and limits apply per stream, the others go on', async () => {
    const count = 300;
    const { wsUrl, origin, upsocket } = await startH2c(echo, { maxMessageSize: 1024 });
    const shared = await session(origin);
    const clients = await Promise.all(Array.from({ length: count }, (_, i) => connectClient(`${wsUrl}/rooms/${i}`, { http2: shared })));
    expect(upsocket.connections.size).toBe(count);
    clients[0]!.sendText('y'.repeat(2048));
    expect(await clients[0]!.read().catch((error: unknown) => error)).toMatchObject({ closeCode: 1009 });
    const echoed = await Promise.all(
      clients.slice(1).map(async (client, i) => {
        client.sendText(`n${i}`);
        return (await client.read())?.text();
      }),
    );
    expect(echoed).toEqual(clients.slice(1).map((_, i) => `n${i}`));
    await Promise.all(clients.slice(1).map((client) => client.close()));
    await until(() => upsocket.connections.size === 0, 10_000, 'every connection closed');
    expect(shared.closed).toBe(false);
  });

  it('maxConnections counts streams: the next CONNECT on the same session gets 503', async () => {
    const { wsUrl, origin } = await startH2c(echo, { maxConnections: 2 });
    const shared = await session(origin);
    // A route's own cap counts its path: the same room three times.
    await connectClient(`${wsUrl}/rooms/1`, { http2: shared });
    await connectClient(`${wsUrl}/rooms/1`, { http2: shared });
    const third = await ask(shared, connectHeaders('/rooms/1'));
    expect(third).toMatchObject({ status: 503, body: 'This route is at its connection limit (maxConnections: 2)\n' });
    expect(shared.closed).toBe(false);
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

  it("attach()'s maxPendingUpgrades counts extended CONNECTs: one more gets 503 before the app", async () => {
    const entered = deferred<void>();
    const release = deferred<void>();
    const server = http2.createServer(async (req, res) => {
      entered.resolve();
      await release.promise;
      if (!open(req, echo)) res.end('plain');
    });
    const started = await listenHttp2(server, false, { handler: echo, attachOptions: { maxPendingUpgrades: 1, onRefuse: () => {} } });
    const client = await session(started.httpUrl);
    const first = connectClient(`${started.wsUrl}/a`, { http2: client });
    await entered.promise;
    const second = await ask(client, connectHeaders('/b'));
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    release.resolve();
    const opened = await first;
    opened.sendText('after the wait');
    expect((await opened.read())?.text()).toBe('after the wait');
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
