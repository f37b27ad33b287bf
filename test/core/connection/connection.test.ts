import { describe, expect, it } from 'vitest';
import { ClosedError, type Connection } from '../../../src/index.js';
import { nodeHttpFixture } from '../../conformance/node-http.fixture.js';
import { deferred } from '../../helpers/deferred.js';
import { encodeFrame, RawClient } from '../../helpers/raw-client.js';
import { until } from '../../helpers/server.js';
import { TestClient } from '../../helpers/ws-client.js';

// Connection semantics shared with the in-memory pair live in conformance/connection-contract.ts,
// run over a real socket and over pair(); these tests need the wire itself or an independent client.
describe('Connection writes', () => {
  it('sends the writes of one tick together, in one TCP segment', async () => {
    const { httpUrl } = await nodeHttpFixture.start({
      handler: async (connection) => {
        connection.sendText('a');
        connection.sendJSON({ b: 2 });
        connection.sendBinary(new Uint8Array([3]));
        await connection.read();
      },
    });
    const client = await RawClient.open(Number(new URL(httpUrl).port), '/rooms/lobby');
    await client.upgraded();
    await until(() => client.frames.length === 3, 5000, 'three frames');
    expect(client.frames.map((frame) => frame.payload.toString('latin1'))).toEqual(['a', '{"b":2}', '\u0003']);
    expect(client.frames.map((frame) => frame.opcode)).toEqual([1, 1, 2]);
    expect(new Set(client.frames.map((frame) => frame.chunk)).size).toBe(1);
  });

});

describe('Connection lifetime', () => {
  it('ping() resolves on the pong', async () => {
    const pinged = deferred<boolean>();
    const { wsUrl } = await nodeHttpFixture.start({
      handler: async (connection) => {
        await connection.read();
        await connection.ping('are you there');
        pinged.resolve(true);
      },
    });
    const client = await TestClient.connect(`${wsUrl}/rooms/lobby`);
    const ping = new Promise<Buffer>((resolve) => client.ws.once('ping', resolve));
    client.ws.send('go');
    expect((await ping).toString()).toBe('are you there');
    expect(await pinged.promise).toBe(true);
  });

  it('reports a protocol error from the client as ClosedError 1002 and answers with 1002', async () => {
    const outcome = deferred<unknown>();
    const { httpUrl } = await nodeHttpFixture.start({
      handler: (connection: Connection) => connection.read().then(outcome.resolve, outcome.resolve),
    });
    const client = await RawClient.open(Number(new URL(httpUrl).port), '/rooms/lobby');
    await client.upgraded();
    client.send(encodeFrame(1, Buffer.from('unmasked'), { mask: false }));
    const error = (await outcome.promise) as ClosedError;
    expect(error).toBeInstanceOf(ClosedError);
    expect(error.closeCode).toBe(1002);
    await until(() => client.frames.length > 0, 5000, 'the close frame');
    expect(client.frames[0]?.opcode).toBe(8);
    expect(client.frames[0]?.payload.readUInt16BE(0)).toBe(1002);
  });
});

describe('heartbeat', () => {
  it('drops a peer that stops answering pings: read() rejects with ClosedError 1006', async () => {
    const outcome = deferred<unknown>();
    const { wsUrl, upsocket } = await nodeHttpFixture.start({
      options: { heartbeat: 50 },
      handler: (connection) => connection.read().then(outcome.resolve, outcome.resolve),
    });
    const silent = await TestClient.connect(`${wsUrl}/rooms/silent`, undefined, { autoPong: false });
    const healthy = await TestClient.connect(`${wsUrl}/rooms/healthy`);
    const error = (await outcome.promise) as ClosedError;
    expect(error).toBeInstanceOf(ClosedError);
    expect(error.closeCode).toBe(1006);
    expect((await silent.closed).code).toBe(1006);
    // The healthy peer answered every ping and is still connected.
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
    expect(upsocket.connections.size).toBe(1);
  });

  it('is off with heartbeat: false', async () => {
    const { wsUrl } = await nodeHttpFixture.start({ options: { heartbeat: false }, handler: (c) => c.read().then(() => {}) });
    const silent = await TestClient.connect(`${wsUrl}/rooms/silent`, undefined, { autoPong: false });
    let pinged = false;
    silent.ws.on('ping', () => (pinged = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pinged).toBe(false);
    expect(silent.ws.readyState).toBe(silent.ws.OPEN);
  });
});
