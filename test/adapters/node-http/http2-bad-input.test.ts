// WebSockets over HTTP/2 (RFC 8441): what bad or hostile input gets (other CONNECTs, resets, peers
// that stop reading or ignore flow control, hundreds of streams, caps): each stream its answer,
// the session's other streams go on, nothing crashes.
import http2, { type ClientHttp2Stream } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { describe, expect, it } from 'vitest';
import { open } from '../../../src/adapters/node-http/index.js';
import { listenHttp2 } from '../../conformance/node-http2.fixture.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { connectClient } from '../../helpers/client.js';
import { deferred } from '../../helpers/deferred.js';
import { echo, readAll } from '../../helpers/handlers.js';
import { ask, connectHeaders, framesOf, h2Frame, hpackLiteral, session, startH2c, textFrame } from '../../helpers/http2-client.js';
import { until } from '../../helpers/server.js';
describe('WebSockets over HTTP/2: bad input', () => {
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

  it('a peer that sends past the flow-control window loses its stream or session (FLOW_CONTROL_ERROR); the server goes on', async () => {
    const closed = deferred<number>();
    const { wsUrl, httpUrl } = await startH2c(async (connection) => {
      // Reads nothing: at receiveHighWaterMark the stream pauses and its window stays closed.
      const { code } = await connection.closed;
      closed.resolve(code);
    });
    const { port } = new URL(httpUrl);
    const socket = connectTcp(Number(port), '127.0.0.1');
    onCleanup(() => socket.destroy());
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.on('error', () => {});
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    socket.write(h2Frame(4, 0, 0, Buffer.alloc(0)));
    const headers = [[':method', 'CONNECT'], [':protocol', 'websocket'], [':scheme', 'http'], [':path', '/rooms/x'], [':authority', `127.0.0.1:${port}`], ['sec-websocket-version', '13']];
    socket.write(h2Frame(1, 0x4, 1, Buffer.concat(headers.map(([name, value]) => hpackLiteral(name!, value!)))));
    // 100-byte text frames (mask key 0), ~15 KB per DATA frame, ~600 KB in all: far past the
    // 64 KiB window, without waiting for a WINDOW_UPDATE.
    const message = Buffer.concat([Buffer.from([0x81, 0x80 | 100, 0, 0, 0, 0]), Buffer.alloc(100, 0x61)]);
    const data = Buffer.concat(Array.from({ length: 150 }, () => message));
    for (let i = 0; i < 40; i++) socket.write(h2Frame(0, 0, 1, data));
    expect(await closed.promise).toBe(1006);
    const refusedFrames = () => framesOf(received).filter((frame) => /^(RST_STREAM|GOAWAY)/.test(frame));
    await until(() => refusedFrames().length > 0, 5000, 'RST_STREAM or GOAWAY');
    expect(refusedFrames()).toContainEqual(expect.stringMatching(/ 3$/));
    const other = await connectClient(`${wsUrl}/rooms/other`, { http2: true });
    other.sendText('still serving');
    await other.close();
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

});
