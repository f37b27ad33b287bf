import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach, open } from '../../../src/adapters/node-http/index.js';
import { UpsocketError, type RefusedUpgrade } from '../../../src/index.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { RawClient } from '../../helpers/raw-client.js';
import { delay, listen } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

function errorCode(error: unknown): string {
  return error instanceof UpsocketError ? error.code : String(error);
}

/** A server whose route reports an error thrown by open() as a 500 with `code: message`. */
function reportingServer(route: (req: http.IncomingMessage, res: http.ServerResponse) => void): http.Server {
  return http.createServer((req, res) => {
    try {
      route(req, res);
    } catch (error) {
      res.writeHead(500).end(`${errorCode(error)}: ${(error as Error).message}`);
    }
  });
}

describe('attach() and open() misuse', () => {
  // The child-process test (not-attached.test.ts) shows the process survives with the defaults.
  it('open() without attach() answers 500 itself, returns true and reports UPSOCKET_NOT_ATTACHED saying how to fix it', async () => {
    const errors: unknown[] = [];
    const refusals: RefusedUpgrade[] = [];
    const returned: boolean[] = [];
    const server = reportingServer((req, res) => {
      const opened = open(req, () => {}, { onError: (error) => errors.push(error), onRefuse: (refusal) => refusals.push(refusal) });
      returned.push(opened);
      if (!opened) res.end('plain');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };
    const answer = await expectRefusal(`ws://127.0.0.1:${port}/chat`);
    expect(answer.status).toBe(500);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toBe('Internal Server Error\n');
    expect(returned).toEqual([true]);
    expect(errors).toHaveLength(1);
    expect(errorCode(errors[0])).toBe('UPSOCKET_NOT_ATTACHED');
    expect((errors[0] as Error).message).toMatch(/call attach\(server\) once, right after creating the HTTP server/);
    expect(refusals).toEqual([{ method: 'GET', url: '/chat', status: 500, reason: 'Internal Server Error', remoteAddress: '127.0.0.1' }]);
  });

  it('attach() twice returns the same handle, and refuses a second set of options', () => {
    const server = http.createServer();
    const first = attach(server, { maxMessageSize: 1000 });
    expect(attach(server)).toBe(first);
    expect(() => attach(server, { maxMessageSize: 2000 })).toThrow(expect.objectContaining({ code: 'UPSOCKET_ALREADY_ATTACHED' }));
  });

  it('open() twice for one request throws UPSOCKET_ALREADY_HANDLED', async () => {
    let second: unknown;
    const server = http.createServer((req) => {
      open(req, () => {});
      try {
        open(req, () => {});
      } catch (error) {
        second = error;
      }
    });
    const { wsUrl } = await listen(server, attach(server));
    await TestClient.connect(wsUrl);
    expect(errorCode(second)).toBe('UPSOCKET_ALREADY_HANDLED');
  });

  it('an invalid option throws UPSOCKET_INVALID_OPTION into the route, which can still answer', async () => {
    const server = reportingServer((req) => void open(req, () => {}, { maxMessageSize: -1 }));
    const { wsUrl } = await listen(server, attach(server));
    const answer = await expectRefusal(wsUrl);
    expect(answer.status).toBe(500);
    expect(answer.body).toBe('UPSOCKET_INVALID_OPTION: maxMessageSize must be a positive integer, got -1');
  });
});

describe('routing upgrades through the app', () => {
  it("returns the app's redirect, with its headers, as HTTP", async () => {
    const server = http.createServer((_req, res) => res.writeHead(302, { Location: '/login' }).end());
    const { wsUrl } = await listen(server, attach(server));
    const answer = await expectRefusal(`${wsUrl}/private`);
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/login');
  });

  it('accepts an upgrade that the route opens after awaiting something', async () => {
    const server = http.createServer(async (req, res) => {
      await delay(50);
      if (!open(req, (connection) => connection.sendText('opened late'))) res.end();
    });
    const { wsUrl } = await listen(server, attach(server));
    const client = await TestClient.connect(wsUrl);
    expect(await client.nextText()).toBe('opened late');
  });

  it("tells the response's own 'finish' listeners (a request logger) that the exchange ended with 101", async () => {
    const logged: number[] = [];
    const server = http.createServer((req, res) => {
      res.on('finish', () => logged.push(res.statusCode));
      if (!open(req, (connection) => connection.sendText('logged'))) res.end();
    });
    const { wsUrl } = await listen(server, attach(server));
    const client = await TestClient.connect(wsUrl);
    expect(await client.nextText()).toBe('logged');
    expect(logged).toEqual([101]);
  });

  it('does not run the handler nor report a 101 when the client left while the app was routing', async () => {
    const outcomes: string[] = [];
    let routed!: () => void;
    const arrived = new Promise<void>((resolve) => (routed = resolve));
    const server = http.createServer(async (req, res) => {
      res.on('finish', () => outcomes.push(`finish ${res.statusCode}`));
      routed();
      await delay(100);
      outcomes.push(`open ${open(req, () => void outcomes.push('handler ran'))}`);
    });
    const { httpUrl } = await listen(server, attach(server));
    const client = await RawClient.open(Number(new URL(httpUrl).port), '/slow-auth');
    await arrived;
    client.socket.destroy();
    await delay(200);
    expect(outcomes).toEqual(['open true']);
  });

  it('answers 500 when a request listener throws, and keeps serving', async () => {
    const errors: unknown[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    onCleanup(() => (console.error = originalError));
    const server = http.createServer((req) => {
      if (req.url === '/throw') throw new Error('listener bug');
      open(req, (connection) => connection.sendText('fine'));
    });
    const { wsUrl } = await listen(server, attach(server));
    const answer = await expectRefusal(`${wsUrl}/throw`);
    expect(answer.status).toBe(500);
    expect(errors).toHaveLength(1);
    const client = await TestClient.connect(`${wsUrl}/fine`);
    expect(await client.nextText()).toBe('fine');
  });

  it('answers 404 on a server that has no request listener at all', async () => {
    const server = http.createServer();
    server.removeAllListeners('request');
    const { wsUrl } = await listen(server, attach(server));
    const answer = await expectRefusal(wsUrl);
    expect(answer.status).toBe(404);
    expect(answer.body).toBe('No route on this server opened the WebSocket\n');
  });
});
