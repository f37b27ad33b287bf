import http from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ClosedError, connect, HandshakeError } from '../../src/index.js';
import { nodeHttpFixture } from '../conformance/node-http.fixture.js';
import { onCleanup } from '../helpers/cleanup.js';
import { connectClient, handshakeFailure } from '../helpers/client.js';
import { deferred } from '../helpers/deferred.js';

/** A TCP server on a free port that answers each connection with `answer` (or never). */
async function tcpServer(answer?: (socket: Socket, request: string) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', (data) => answer?.(socket, data.toString('latin1')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('connect() failures', () => {
  it('rejects with UPSOCKET_HANDSHAKE_TIMEOUT when the server never answers', async () => {
    const url = await tcpServer();
    const error = await handshakeFailure(connect(`${url}/slow`, { handshakeTimeout: 100 }));
    expect(error).toMatchObject({ code: 'UPSOCKET_HANDSHAKE_TIMEOUT', status: 0, body: '' });
    expect(error.message).toContain('100 ms');
  });

  it('rejects with UPSOCKET_CONNECT_FAILED and the network error as cause when nothing listens', async () => {
    // A port that was free a moment ago: listen on port 0, note the port, close.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const freePort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await handshakeFailure(connect(`ws://127.0.0.1:${freePort}/`));
    expect(error.code).toBe('UPSOCKET_CONNECT_FAILED');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('rejects an invalid 101 with UPSOCKET_HANDSHAKE_FAILED and status 101', async () => {
    const url = await tcpServer((socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n');
    });
    const error = await handshakeFailure(connect(url));
    expect(error).toMatchObject({ code: 'UPSOCKET_HANDSHAKE_FAILED', status: 101 });
    expect(error.message).toContain('Sec-WebSocket-Accept');
  });

  it('does not follow redirects: a 302 is a refusal with its Location header', async () => {
    const url = await tcpServer((socket) => {
      socket.end('HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    const error = await handshakeFailure(connect(`${url}/old`));
    expect(error).toMatchObject({ status: 302, headers: { location: '/elsewhere' } });
  });

  it('keeps only the first 64 KiB of a huge refusal body', async () => {
    const url = await tcpServer((socket) => {
      const body = 'e'.repeat(1024 * 1024);
      socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    });
    const error = await handshakeFailure(connect(url));
    expect(error.status).toBe(500);
    expect(error.body.length).toBe(64 * 1024);
  });

  it('leaves credentials and the query string out of error messages', async () => {
    const url = await tcpServer((socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    const error = await handshakeFailure(connect(url.replace('ws://', 'ws://user:hunter2@') + '/feed?token=s3cret'));
    expect(error.message).not.toMatch(/hunter2|s3cret/);
    expect(error.message).toContain('/feed');
  });

  it('rejects bad arguments with UPSOCKET_INVALID_OPTION', async () => {
    await expect(connect('not a url')).rejects.toMatchObject({ code: 'UPSOCKET_INVALID_OPTION' });
    await expect(connect('ftp://example.com/')).rejects.toMatchObject({ code: 'UPSOCKET_INVALID_OPTION' });
    await expect(connect('ws://127.0.0.1:1/', { maxMessageSize: 0 })).rejects.toMatchObject({ code: 'UPSOCKET_INVALID_OPTION' });
    await expect(connect('ws://127.0.0.1:1/', { protocols: ['a b'] })).rejects.toMatchObject({ code: 'UPSOCKET_INVALID_OPTION' });
    await expect(connect('ws://127.0.0.1:1/', 'options' as never)).rejects.toMatchObject({ code: 'UPSOCKET_INVALID_OPTION' });
  });
});

describe('connect() with an AbortSignal', () => {
  it('rejects with signal.reason when aborted during the handshake, or already aborted', async () => {
    const url = await tcpServer();
    const controller = new AbortController();
    const attempt = connect(url, { signal: controller.signal });
    const reason = new Error('user navigated away');
    setTimeout(() => controller.abort(reason), 50);
    await expect(attempt).rejects.toBe(reason);
    await expect(connect(url, { signal: AbortSignal.abort('early') })).rejects.toBe('early');
  });

  it('closes an open connection with 1001 when aborted later', async () => {
    const serverSaw = deferred<unknown>();
    const { wsUrl } = await nodeHttpFixture.start({
      handler: async (connection) => {
        serverSaw.resolve(await connection.read());
        serverSaw.resolve(await connection.closed);
      },
    });
    const controller = new AbortController();
    const client = await connectClient(`${wsUrl}/rooms/lobby`, { signal: controller.signal });
    controller.abort();
    expect(await client.closed).toEqual({ code: 1001, reason: '' });
    expect(await serverSaw.promise).toBeNull();
  });
});

describe('connect() heartbeat', () => {
  it('drops a server that stops answering pings: read() rejects with ClosedError 1006', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false });
    await new Promise((resolve) => wss.once('listening', resolve));
    onCleanup(() => new Promise((resolve) => wss.close(resolve)));
    onCleanup(() => wss.clients.forEach((ws) => ws.terminate()));
    const { port } = wss.address() as AddressInfo;
    const client = await connectClient(`ws://127.0.0.1:${port}/`, { heartbeat: 50 });
    const error = await client.read().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClosedError);
    expect((error as ClosedError).closeCode).toBe(1006);
  });

  it('is off by default', async () => {
    let pinged = false;
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    onCleanup(() => new Promise((resolve) => wss.close(resolve)));
    wss.on('connection', (ws) => ws.on('ping', () => (pinged = true)));
    const { port } = wss.address() as AddressInfo;
    const client = await connectClient(`ws://127.0.0.1:${port}/`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(pinged).toBe(false);
    await client.close();
  });
});

describe('HandshakeError', () => {
  it('is an UpsocketError with a stable code', () => {
    const error = new HandshakeError('UPSOCKET_HANDSHAKE_FAILED', 'refused', { status: 401, headers: {}, body: 'no' });
    expect(error).toMatchObject({ name: 'HandshakeError', code: 'UPSOCKET_HANDSHAKE_FAILED', status: 401, body: 'no' });
  });
});
