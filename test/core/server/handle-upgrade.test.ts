// handleUpgrade() beside attach(): it joins the attached server's UpsocketServer, answers a wrong
// call with 500 (reported to onError) instead of throwing in the 'upgrade' listener, and refuses
// an Upgrade that is not WebSocket.
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { attach, handleUpgrade, type Handler, type OpenOptions, type UpsocketServer } from '../../../src/index.js';
import { echo } from '../../helpers/handlers.js';
import { sendRaw } from '../../helpers/hostile-client.js';
import { delay, listen } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

async function start(options: unknown) {
  const errors: unknown[] = [];
  const server = http.createServer((_req, res) => res.end('plain'));
  // attach() routes nothing here (filter), but its UpsocketServer and onError are the ones used.
  const upsocket = attach(server, { filter: () => false, onError: (error) => void errors.push(error), onRefuse: () => {} });
  const used: UpsocketServer[] = [];
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    used.push(handleUpgrade(req, socket, head, echo, options as OpenOptions));
  });
  const started = await listen(server, upsocket);
  return { ...started, errors, used, port: Number(new URL(started.httpUrl).port) };
}

describe('handleUpgrade()', () => {
  it("joins attach()'s UpsocketServer when the server has one", async () => {
    const { wsUrl, upsocket, used } = await start(undefined);
    const client = await TestClient.connect(`${wsUrl}/any`);
    client.ws.send('hi');
    expect(await client.nextText()).toBe('hi');
    expect(used).toEqual([upsocket]);
    expect(upsocket.connections.size).toBe(1);
  });

  it('answers a bad option with 500 and reports UPSOCKET_INVALID_OPTION instead of throwing', async () => {
    const { wsUrl, errors } = await start({ maxMesageSize: 10 });
    expect((await expectRefusal(`${wsUrl}/any`)).status).toBe(500);
    expect(errors).toEqual([expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining("unknown option 'maxMesageSize'") })]);
  });

  it('answers 500 and reports the error when the connectionsPerClient key function throws', async () => {
    const key = (): string => {
      throw new Error('no session');
    };
    const { wsUrl, errors, upsocket } = await start({ connectionsPerClient: { max: 1, key } });
    expect((await expectRefusal(`${wsUrl}/any`)).status).toBe(500);
    expect(errors).toEqual([expect.objectContaining({ message: 'no session' })]);
    expect(upsocket.connections.size).toBe(0);
  });

  it('refuses an Upgrade other than websocket with 400', async () => {
    const { port } = await start(undefined);
    const answer = await sendRaw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n`);
    expect(answer.head).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.body).toBe('Missing "Upgrade: websocket" header\n');
  });
});

describe('handleUpgrade() arguments', () => {
  it('answers a handler that is no function with 500 and reports it', async () => {
    const errors: unknown[] = [];
    const server = http.createServer();
    const upsocket = attach(server, { filter: () => false, onError: (error) => void errors.push(error), onRefuse: () => {} });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void handleUpgrade(req, socket, head, 'echo' as never));
    const { wsUrl } = await listen(server, upsocket);
    expect((await expectRefusal(wsUrl)).status).toBe(500);
    expect(errors).toEqual([expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('the handler must be a function') })]);
  });

  it('throws UPSOCKET_INVALID_OPTION without a request or a socket: there is nobody to answer', () => {
    expect(() => handleUpgrade(undefined as never, undefined as never, Buffer.alloc(0), echo)).toThrow(expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION' }));
    const request = { headers: {} } as IncomingMessage;
    expect(() => handleUpgrade(request, {} as Duplex, Buffer.alloc(0), echo)).toThrow(/socket must be the 'upgrade' event's socket/);
  });
});

// Without attach(): the options given to handleUpgrade() are the only ones there are, so its own
// onError must hear what goes wrong in its upgrades, never the default logger.
describe("handleUpgrade()'s own onError", () => {
  async function startBare(handler: unknown, options: OpenOptions = {}) {
    const errors: unknown[] = [];
    const refusals: number[] = [];
    const server = http.createServer((_req, res) => res.end('plain'));
    let upsocket: UpsocketServer | undefined;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upsocket = handleUpgrade(req, socket, head, handler as Handler, {
        onError: (error) => void errors.push(error),
        onRefuse: (refusal) => void refusals.push(refusal.status),
        ...options,
      });
    });
    const closer = { close: (options) => upsocket?.close(options) ?? Promise.resolve() } as Pick<UpsocketServer, 'close'>;
    const started = await listen(server, closer as UpsocketServer);
    return { ...started, errors, refusals };
  }

  it('receives what a handler throws', async () => {
    const { wsUrl, errors } = await startBare(() => {
      throw new Error('handler bug');
    });
    const client = await TestClient.connect(wsUrl);
    expect((await client.closed).code).toBe(1011);
    expect(errors).toEqual([expect.objectContaining({ message: 'handler bug' })]);
  });

  it('receives what an async handler rejects with', async () => {
    const { wsUrl, errors } = await startBare(async () => {
      await delay(1);
      throw new Error('async handler bug');
    });
    const client = await TestClient.connect(wsUrl);
    expect((await client.closed).code).toBe(1011);
    expect(errors).toEqual([expect.objectContaining({ message: 'async handler bug' })]);
  });

  it('receives a handler that is no function (answered 500, told to onRefuse)', async () => {
    const { wsUrl, errors, refusals } = await startBare('echo');
    expect((await expectRefusal(wsUrl)).status).toBe(500);
    expect(errors).toEqual([expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringContaining('the handler must be a function') })]);
    expect(refusals).toEqual([500]);
  });

  it('receives what a connectionsPerClient key function throws', async () => {
    const key = (): string => {
      throw new Error('no session');
    };
    const { wsUrl, errors, refusals } = await startBare(echo, { connectionsPerClient: { max: 1, key } });
    expect((await expectRefusal(wsUrl)).status).toBe(500);
    expect(errors).toEqual([expect.objectContaining({ message: 'no session' })]);
    expect(refusals).toEqual([500]);
  });

  it("receives an unknown option, in a message that names handleUpgrade(), not open()", async () => {
    const { wsUrl, errors } = await startBare(echo, { maxMesageSize: 10 } as OpenOptions);
    expect((await expectRefusal(wsUrl)).status).toBe(500);
    expect(errors).toEqual([expect.objectContaining({ code: 'UPSOCKET_INVALID_OPTION', message: expect.stringMatching(/^handleUpgrade\(\): unknown option 'maxMesageSize'/) })]);
  });
});
