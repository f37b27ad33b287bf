// Every documented diagnostics channel fires, with its documented message, for what a real client
// does over a real socket.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach } from '../../src/adapters/node-http/index.js';
import { createTopics, type Connection } from '../../src/index.js';
import { deferred } from '../helpers/deferred.js';
import { listen, until } from '../helpers/server.js';
import { expectRefusal, TestClient } from '../helpers/ws-client.js';
import { on, recordChannels, startServer } from './recorder.js';

describe('diagnostics channels', () => {
  it('upgrade, refused, open, message, close, in that order and with their payloads', async () => {
    const published = recordChannels();
    const { wsUrl } = await startServer(async (connection) => {
      for await (const message of connection) connection.sendText(`echo ${message.text()}`);
    });
    expect((await expectRefusal(`${wsUrl}/chat`, { origin: 'https://evil.example' })).status).toBe(403);
    const client = await TestClient.connect(`${wsUrl}/chat?room=1`);
    client.ws.send('héllo');
    expect(await client.nextText()).toBe('echo héllo');
    client.ws.close(4001, 'bye');
    await until(() => on(published, 'upsocket:close').length === 1, 5000, 'upsocket:close');

    expect(published.map((entry) => entry.name)).toEqual([
      'upsocket:upgrade',
      'upsocket:refused',
      'upsocket:upgrade',
      'upsocket:open',
      'upsocket:message',
      'upsocket:message',
      'upsocket:close',
    ]);
    const [refusedUpgrade, openedUpgrade] = on(published, 'upsocket:upgrade');
    expect(refusedUpgrade?.request.url).toBe('/chat');
    expect(openedUpgrade?.request.url).toBe('/chat?room=1');
    const [refused] = on(published, 'upsocket:refused');
    expect(refused).toEqual({ request: refusedUpgrade?.request, status: 403, reason: 'Origin https://evil.example is not allowed' });
    const [opened] = on(published, 'upsocket:open');
    expect(opened?.request).toBe(openedUpgrade?.request);
    expect(opened?.protocol).toBe('');
    expect(opened?.connection.request).toBe(opened?.request);
    const messages = on(published, 'upsocket:message');
    // 'héllo' is 6 bytes of UTF-8, 'echo héllo' 11.
    expect(messages.map(({ direction, bytes }) => ({ direction, bytes }))).toEqual([
      { direction: 'receive', bytes: 6 },
      { direction: 'send', bytes: 11 },
    ]);
    expect(messages[0]?.connection).toBe(opened?.connection);
    const [closed] = on(published, 'upsocket:close');
    expect(closed).toMatchObject({ connection: opened?.connection, request: opened?.request, code: 4001, reason: 'bye' });
    expect(closed?.duration).toBeGreaterThan(0);
    expect(closed?.duration).toBeLessThan(5000);
  });

  it('error: a handler that throws, with its connection; the close that follows is 1011', async () => {
    const published = recordChannels();
    const bug = new Error('handler bug');
    const { wsUrl } = await startServer(() => {
      throw bug;
    });
    const client = await TestClient.connect(`${wsUrl}/boom`);
    expect((await client.closed).code).toBe(1011);
    await until(() => on(published, 'upsocket:close').length === 1, 5000, 'upsocket:close');
    const [opened] = on(published, 'upsocket:open');
    expect(on(published, 'upsocket:error')).toEqual([{ error: bug, request: opened?.request, connection: opened?.connection }]);
    expect(on(published, 'upsocket:close')[0]?.code).toBe(1011);
  });

  it('error: a request listener that throws while routing, without a connection; refused with 500', async () => {
    const published = recordChannels();
    const bug = new Error('listener bug');
    const server = http.createServer(() => {
      throw bug;
    });
    const { wsUrl } = await listen(server, attach(server, { onRefuse: () => {}, onError: () => {} }));
    expect((await expectRefusal(`${wsUrl}/throw`)).status).toBe(500);
    const [upgrade] = on(published, 'upsocket:upgrade');
    expect(on(published, 'upsocket:error')).toEqual([{ error: bug, request: upgrade?.request, connection: undefined }]);
    expect(on(published, 'upsocket:refused')).toEqual([{ request: upgrade?.request, status: 500, reason: 'Internal Server Error' }]);
  });

  it('heartbeat-timeout: a client that never answers pings, then its close with 1006', async () => {
    const published = recordChannels();
    const { wsUrl } = await startServer((connection) => connection.closed.then(() => {}), { heartbeat: 50 });
    const client = await TestClient.connect(`${wsUrl}/quiet`, undefined, { autoPong: false });
    await client.closed;
    await until(() => on(published, 'upsocket:close').length === 1, 5000, 'upsocket:close');
    const [opened] = on(published, 'upsocket:open');
    expect(on(published, 'upsocket:heartbeat-timeout')).toEqual([{ connection: opened?.connection }]);
    expect(on(published, 'upsocket:close')[0]?.code).toBe(1006);
  });

  it('pause and resume, receive: the queue fills while the handler does not read, and drains when it does', async () => {
    const published = recordChannels();
    const startReading = deferred<void>();
    const { wsUrl } = await startServer(
      async (connection) => {
        await startReading.promise;
        for await (const message of connection) if (message.text() === 'last') connection.sendText('done');
      },
      { receiveHighWaterMark: 1024 },
    );
    const client = await TestClient.connect(`${wsUrl}/slow-reader`);
    for (let i = 0; i < 8; i++) client.ws.send('x'.repeat(512));
    client.ws.send('last');
    await until(() => on(published, 'upsocket:pause').length === 1, 5000, 'upsocket:pause');
    startReading.resolve();
    expect(await client.nextText()).toBe('done');
    const [opened] = on(published, 'upsocket:open');
    expect(on(published, 'upsocket:pause')).toEqual([{ connection: opened?.connection, direction: 'receive', reason: 'highWaterMark' }]);
    expect(on(published, 'upsocket:resume')).toEqual([{ connection: opened?.connection, direction: 'receive', reason: 'highWaterMark' }]);
  });

  it('pause and resume, send: a flush() that waits for a client that does not read', async () => {
    const published = recordChannels();
    const flushed = deferred<void>();
    const { wsUrl } = await startServer(
      async (connection) => {
        connection.sendBinary(Buffer.alloc(16 * 1024 * 1024));
        await connection.flush();
        flushed.resolve();
        await connection.closed;
      },
      { sendHighWaterMark: 1024, maxMessageSize: 32 * 1024 * 1024 },
    );
    const client = await TestClient.connect(`${wsUrl}/slow-writer`, undefined, { maxPayload: 32 * 1024 * 1024 });
    client.ws.pause();
    await until(() => on(published, 'upsocket:pause').length === 1, 5000, 'upsocket:pause');
    expect(on(published, 'upsocket:resume')).toEqual([]);
    client.ws.resume();
    await flushed.promise;
    const [opened] = on(published, 'upsocket:open');
    expect(on(published, 'upsocket:pause')).toEqual([{ connection: opened?.connection, direction: 'send', reason: 'highWaterMark' }]);
    expect(on(published, 'upsocket:resume')).toEqual([{ connection: opened?.connection, direction: 'send', reason: 'highWaterMark' }]);
  });

  it('publish, deliver and slow-subscriber, for topics', async () => {
    const published = recordChannels();
    const topics = createTopics({ maxBufferedAmount: 64 * 1024 });
    const subscribed: Connection[] = [];
    const { wsUrl } = await startServer(async (connection) => {
      await topics.subscribe(connection, 'room');
      subscribed.push(connection);
      await connection.closed;
    });
    const reader = await TestClient.connect(`${wsUrl}/reader`);
    const stalled = await TestClient.connect(`${wsUrl}/stalled`);
    await until(() => subscribed.length === 2, 5000, 'two subscribers');
    await topics.publish('room', 'hello');
    expect(await reader.nextText()).toBe('hello');
    expect(on(published, 'upsocket:publish')).toEqual([{ topic: 'room' }]);
    expect(on(published, 'upsocket:deliver')).toEqual([{ topic: 'room', subscribers: 2 }]);

    stalled.ws.pause();
    const big = 'y'.repeat(1024 * 1024);
    for (let i = 0; i < 64 && on(published, 'upsocket:slow-subscriber').length === 0; i++) {
      await topics.publish('room', big);
      await reader.nextText();
    }
    const [slow] = on(published, 'upsocket:slow-subscriber');
    const stalledConnection = on(published, 'upsocket:open').find((opened) => opened.request.url === '/stalled')?.connection;
    expect(slow?.topic).toBe('room');
    expect(slow?.connection).toBe(stalledConnection);
    expect(slow?.backlog).toBeGreaterThan(64 * 1024);
    await topics.close();
  });
});
