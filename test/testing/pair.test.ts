import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../src/testing/memory-transport.js';
import type { TransportSink } from '../../src/core/connection/transport.js';
import { ClosedError, pair, type Connection } from '../../src/testing/index.js';
import { until } from '../helpers/server.js';

async function echo(connection: Connection): Promise<void> {
  for await (const message of connection) connection.sendText(`echo: ${message.text()}`);
}

describe('pair()', () => {
  it('runs a handler on the server end: return closes with 1000', async () => {
    const [, client] = pair(echo);
    client.sendText('hi');
    expect((await client.read())?.text()).toBe('echo: hi');
    await client.close();
    expect(await client.closed).toEqual({ code: 1000, reason: '' });

    const [, other] = pair((connection) => connection.sendText('bye'));
    expect((await other.read())?.text()).toBe('bye');
    expect(await other.read()).toBeNull();
    expect((await other.closed).code).toBe(1000);
  });

  it('closes with 1011 when the handler throws and hands the error to onError', async () => {
    const errors: unknown[] = [];
    const failure = new Error('handler bug');
    const [server, client] = pair(
      () => {
        throw failure;
      },
      { onError: (error, request) => errors.push(error, request.url) },
    );
    expect(await client.read().catch((error: unknown) => error)).toMatchObject({ closeCode: 1011 });
    expect(errors).toEqual([failure, '/']);
    expect(await server.closed).toEqual({ code: 1011, reason: '' });
  });

  it("gives the server end a request with the given URL and headers, and both ends the protocol", () => {
    const [server, client] = pair({ url: '/rooms/lobby?x=1', headers: { cookie: 'session=alice' }, protocol: 'chat.v1' });
    expect(server.request.method).toBe('GET');
    expect(server.request.url).toBe('/rooms/lobby?x=1');
    expect(server.request.headers).toMatchObject({ cookie: 'session=alice', upgrade: 'websocket', 'sec-websocket-protocol': 'chat.v1' });
    expect(client.request.statusCode).toBe(101);
    expect([server.protocol, client.protocol]).toEqual(['chat.v1', 'chat.v1']);
  });

  it('applies top-level limits to both ends and per-end ones over them', async () => {
    const [server, client] = pair({ maxMessageSize: 10, client: { maxMessageSize: 100 } });
    server.sendText('x'.repeat(50));
    expect((await client.read())?.text()).toHaveLength(50);
    client.sendText('x'.repeat(11));
    expect(await server.read().catch((error: unknown) => error)).toMatchObject({ closeCode: 1009 });
  });

  it('rejects invalid limits with UPSOCKET_INVALID_OPTION', () => {
    expect(() => pair({ maxMessageSize: 0 })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    expect(() => pair({ client: { receiveHighWaterMark: -1 } })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
  });

  it('does not answer pings while the reading end is paused by a full queue', async () => {
    const [server, client] = pair({ receiveHighWaterMark: 1024 });
    client.sendText('x'.repeat(2048));
    let ponged = false;
    void client.ping().then(() => (ponged = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ponged).toBe(false);
    await server.read();
    await until(() => ponged, 1000, 'the pong');
  });

  it('raises ClosedError for writes after the peer closed', async () => {
    const [server, client] = pair();
    await client.close(1001);
    await server.closed;
    expect(() => server.sendText('late')).toThrow(ClosedError);
  });
});

describe('MemoryTransport', () => {
  function recordingSink(): TransportSink & { closes: [number, string][] } {
    const closes: [number, string][] = [];
    return {
      closes,
      onMessage() {},
      onPong() {},
      onProtocolError() {},
      onClose: (code, reason) => void closes.push([code, reason]),
    };
  }

  it('reports 1005 for a close frame without a code, on both ends', async () => {
    const [a, b] = MemoryTransport.pair({ maxMessageSize: 1024 }, { maxMessageSize: 1024 });
    const sinkA = recordingSink();
    const sinkB = recordingSink();
    a.bind(sinkA);
    b.bind(sinkB);
    a.close(undefined, 'ignored without a code');
    await until(() => sinkA.closes.length === 1 && sinkB.closes.length === 1, 1000, 'both ends to close');
    expect(sinkA.closes).toEqual([[1005, '']]);
    expect(sinkB.closes).toEqual([[1005, '']]);
  });

  it('refuses ping payloads over 125 bytes as ws does', () => {
    const [a] = MemoryTransport.pair({ maxMessageSize: 1024 }, { maxMessageSize: 1024 });
    expect(() => a.ping('x'.repeat(126))).toThrow(RangeError);
  });
});
