// Retry-After, as the server sends it: `retryAfter` (seconds, default 5) on the 503 at
// maxConnections and the 429 over connectionsPerClient, per server or per route; the 503 answered
// while shutting down carries close()'s `retryAfter`, else the server's.
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { attach, handleUpgrade, open } from '../../../src/adapters/node-http/index.js';
import type { AttachOptions, OpenOptions, UpsocketServer } from '../../../src/index.js';
import { listen } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

async function startApp(attachOptions: AttachOptions, openOptions?: OpenOptions) {
  const server = http.createServer((req, res) => {
    if (!open(req, async (connection) => void (await connection.closed), openOptions)) res.end('plain');
  });
  return listen(server, attach(server, { heartbeat: false, onRefuse: () => {}, ...attachOptions }));
}

async function refusedWith(url: string): Promise<{ status: number; retryAfter: unknown; body: string }> {
  const { status, headers, body } = await expectRefusal(url);
  return { status, retryAfter: headers['retry-after'], body };
}

describe('retryAfter', () => {
  it("sets the 503's Retry-After at maxConnections", async () => {
    const { wsUrl } = await startApp({ maxConnections: 1, retryAfter: 30 });
    await TestClient.connect(wsUrl);
    expect(await refusedWith(wsUrl)).toEqual({ status: 503, retryAfter: '30', body: 'Server is at its connection limit (maxConnections)\n' });
  });

  it("sets the 429's Retry-After over connectionsPerClient, per route over attach()'s", async () => {
    const { wsUrl } = await startApp({ retryAfter: 30 }, { connectionsPerClient: { max: 1 }, retryAfter: 0 });
    await TestClient.connect(wsUrl);
    expect(await refusedWith(wsUrl)).toMatchObject({ status: 429, retryAfter: '0' });
  });

  it('is the default of the 503 answered while shutting down; close({ retryAfter }) overrides it', async () => {
    const { wsUrl, upsocket } = await startApp({ retryAfter: 12 });
    void upsocket.close({ timeout: 100 });
    expect(await refusedWith(wsUrl)).toEqual({ status: 503, retryAfter: '12', body: 'Server is shutting down\n' });

    const other = await startApp({});
    void other.upsocket.close({ retryAfter: 1 });
    expect(await refusedWith(other.wsUrl)).toMatchObject({ status: 503, retryAfter: '1' });
  });

  it('is 5 s by default, on all three', async () => {
    const full = await startApp({ maxConnections: 1 }, { connectionsPerClient: { max: 1 } });
    await TestClient.connect(full.wsUrl);
    expect(await refusedWith(full.wsUrl)).toMatchObject({ status: 503, retryAfter: '5' });
    const perClient = await startApp({}, { connectionsPerClient: { max: 1 } });
    await TestClient.connect(perClient.wsUrl);
    expect(await refusedWith(perClient.wsUrl)).toMatchObject({ status: 429, retryAfter: '5' });
    void perClient.upsocket.close();
    expect(await refusedWith(perClient.wsUrl)).toMatchObject({ status: 503, retryAfter: '5' });
  });

  it("holds for handleUpgrade()'s shutdown 503 too", async () => {
    const server = http.createServer((_req, res) => res.end('plain'));
    let upsocket: UpsocketServer | undefined;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upsocket = handleUpgrade(req, socket, head, (connection) => connection.closed.then(() => {}), { heartbeat: false, onRefuse: () => {} });
    });
    const closer = { close: (options) => upsocket?.close(options) ?? Promise.resolve() } as Pick<UpsocketServer, 'close'>;
    const { wsUrl } = await listen(server, closer as UpsocketServer);
    await TestClient.connect(wsUrl);
    void upsocket?.close({ retryAfter: 3, timeout: 100 });
    expect(await refusedWith(wsUrl)).toMatchObject({ status: 503, retryAfter: '3' });
  });

  it('must be a whole number of seconds, at least 0', async () => {
    for (const retryAfter of [-1, 1.5, Number.NaN, '5']) {
      expect(() => attach(http.createServer(), { retryAfter } as AttachOptions)).toThrow(
        expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('retryAfter must be a whole number of at least 0') }),
      );
    }
    const server = http.createServer();
    const upsocket = attach(server);
    expect(() => upsocket.close({ retryAfter: -5 })).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    await upsocket.close();
  });
});
