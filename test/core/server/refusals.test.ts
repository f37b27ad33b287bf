// What the operator hears about: every upgrade upsocket refuses itself goes to onRefuse (default:
// one line on stderr), and errors thrown while routing an upgrade go to attach()'s onError.
import http, { type IncomingMessage } from 'node:http';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { attach, open } from '../../../src/adapters/node-http/index.js';
import type { AttachOptions, OpenOptions, RefusedUpgrade } from '../../../src/index.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { handshakeRequest, sendRaw } from '../../helpers/hostile-client.js';
import { encodeFrame } from '../../helpers/raw-client.js';
import { listen } from '../../helpers/server.js';
import { expectRefusal, TestClient } from '../../helpers/ws-client.js';

interface Reported {
  refusal: RefusedUpgrade;
  request: IncomingMessage;
}

/** A node-http app: 401 for `x-auth: deny`, a throw on /throw, open() with `openOptions` elsewhere. */
async function startApp(attachOptions: AttachOptions = {}, openOptions?: OpenOptions) {
  const server = http.createServer((req, res) => {
    if (req.headers['x-auth'] === 'deny') return void res.writeHead(401).end('log in first');
    if (req.url === '/throw') throw new Error('listener bug');
    if (!open(req, (connection) => connection.sendText('opened'), openOptions)) res.end('plain');
  });
  const started = await listen(server, attach(server, attachOptions));
  return { ...started, port: Number(new URL(started.httpUrl).port) };
}

function recorder(): { reported: Reported[]; onRefuse: (refusal: RefusedUpgrade, request: IncomingMessage) => void } {
  const reported: Reported[] = [];
  return { reported, onRefuse: (refusal, request) => void reported.push({ refusal, request }) };
}

function refusal(url: string, status: RefusedUpgrade['status'], reason: string): RefusedUpgrade {
  return { method: 'GET', url, status, reason, remoteAddress: '127.0.0.1' };
}

describe('onRefuse', () => {
  it('is told about a 403 for a cross-site Origin, with the request', async () => {
    const { reported, onRefuse } = recorder();
    const { wsUrl } = await startApp({ onRefuse });
    const answer = await expectRefusal(`${wsUrl}/chat?room=1`, { origin: 'https://evil.example' });
    expect(answer.status).toBe(403);
    expect(reported.map((entry) => entry.refusal)).toEqual([refusal('/chat?room=1', 403, 'Origin https://evil.example is not allowed')]);
    expect(reported[0]?.request.headers.origin).toBe('https://evil.example');
  });

  it('is told about 400s: an unsupported subprotocol, a missing key, a body on the upgrade', async () => {
    const { reported, onRefuse } = recorder();
    const { wsUrl, port } = await startApp({ onRefuse, protocols: ['chat.v2'] });
    expect((await expectRefusal(`${wsUrl}/a`, { protocols: ['chat.v1'] })).status).toBe(400);
    expect((await sendRaw(port, handshakeRequest(port, '/b', { 'Sec-WebSocket-Key': null }))).status).toBe(400);
    const frame = encodeFrame(1, Buffer.from('smuggled'));
    const withBody = Buffer.concat([Buffer.from(handshakeRequest(port, '/c', { 'Content-Length': String(frame.length) })), frame]);
    expect((await sendRaw(port, withBody)).status).toBe(400);
    expect(reported.map((entry) => entry.refusal)).toEqual([
      refusal('/a', 400, 'No supported subprotocol offered (server speaks: chat.v2)'),
      refusal('/b', 400, 'Missing or invalid Sec-WebSocket-Key header'),
      refusal('/c', 400, 'A WebSocket handshake must not have a body'),
    ]);
  });

  it('is told about a 426 for an unsupported version', async () => {
    const { reported, onRefuse } = recorder();
    const { port } = await startApp({ onRefuse });
    expect((await sendRaw(port, handshakeRequest(port, '/v8', { 'Sec-WebSocket-Version': '8' }))).status).toBe(426);
    expect(reported.map((entry) => entry.refusal)).toEqual([refusal('/v8', 426, 'Unsupported WebSocket version (supported: 13)')]);
  });

  it('is told about the 503s after upsocket.close()', async () => {
    const { reported, onRefuse } = recorder();
    const { wsUrl, upsocket } = await startApp({ onRefuse });
    await upsocket.close({ timeout: 100 });
    expect((await expectRefusal(`${wsUrl}/late`)).status).toBe(503);
    expect(reported.map((entry) => entry.refusal)).toEqual([refusal('/late', 503, 'Server is shutting down')]);
  });

  it('is told about the 404 of a server without request listeners', async () => {
    const { reported, onRefuse } = recorder();
    const server = http.createServer();
    const { wsUrl } = await listen(server, attach(server, { onRefuse }));
    expect((await expectRefusal(`${wsUrl}/nowhere`)).status).toBe(404);
    expect(reported.map((entry) => entry.refusal)).toEqual([refusal('/nowhere', 404, 'No route on this server opened the WebSocket')]);
  });

  it("is not told about the app's own answers, nor about upgrades that opened", async () => {
    const { reported, onRefuse } = recorder();
    const { wsUrl } = await startApp({ onRefuse });
    expect((await expectRefusal(`${wsUrl}/chat`, { headers: { 'x-auth': 'deny' } })).status).toBe(401);
    const client = await TestClient.connect(`${wsUrl}/chat`);
    expect(await client.nextText()).toBe('opened');
    expect(reported).toEqual([]);
  });

  it("given to open(), overrides attach()'s", async () => {
    const fromAttach = recorder();
    const fromOpen = recorder();
    const { wsUrl } = await startApp({ onRefuse: fromAttach.onRefuse }, { onRefuse: fromOpen.onRefuse });
    expect((await expectRefusal(`${wsUrl}/chat`, { origin: 'https://evil.example' })).status).toBe(403);
    expect(fromOpen.reported.map((entry) => entry.refusal.status)).toEqual([403]);
    expect(fromAttach.reported).toEqual([]);
  });

  it('that throws is logged, and neither crashes the process nor changes the answer', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    onCleanup(() => errors.mockRestore());
    const { wsUrl } = await startApp({
      onRefuse: () => {
        throw new Error('broken reporter');
      },
    });
    expect((await expectRefusal(`${wsUrl}/chat`, { origin: 'https://evil.example' })).status).toBe(403);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]?.[0]).toBe('upsocket: onRefuse threw while reporting a refused upgrade:');
    expect(errors.mock.calls[0]?.[1]).toMatchObject({ message: 'broken reporter' });
    const client = await TestClient.connect(`${wsUrl}/chat`);
    expect(await client.nextText()).toBe('opened');
  });

  it('defaults to one line on stderr per refusal', async () => {
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    onCleanup(() => warnings.mockRestore());
    const { wsUrl } = await startApp();
    await expectRefusal(`${wsUrl}/chat`, { origin: 'https://evil.example' });
    expect(warnings.mock.calls).toEqual([['upsocket: refused GET /chat from 127.0.0.1: 403 Origin https://evil.example is not allowed']]);
  });
});

describe('errors thrown while routing an upgrade', () => {
  it("go to attach()'s onError (the exact error), with a 500 to the client and to onRefuse", async () => {
    const errors: unknown[] = [];
    const { reported, onRefuse } = recorder();
    const { wsUrl } = await startApp({ onError: (error) => errors.push(error), onRefuse });
    const answer = await expectRefusal(`${wsUrl}/throw`);
    expect(answer.status).toBe(500);
    expect(answer.body).toBe('Internal Server Error\n');
    expect(errors).toEqual([expect.objectContaining({ message: 'listener bug' })]);
    expect(errors[0]).toBeInstanceOf(Error);
    expect(reported.map((entry) => entry.refusal)).toEqual([refusal('/throw', 500, 'Internal Server Error')]);
  });

  it('are logged by default as routing errors, not handler errors', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    onCleanup(() => errors.mockRestore());
    const { wsUrl } = await startApp({ onRefuse: () => {} });
    await expectRefusal(`${wsUrl}/throw`);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]?.[0]).toBe('upsocket: routing the WebSocket upgrade GET /throw failed:');
    expect(errors.mock.calls[0]?.[1]).toMatchObject({ message: 'listener bug' });
  });
});

describe('RefusedUpgrade', () => {
  // Checked by tsc (npm run typecheck): the internal Refusal's status is typed by this one, so a
  // refusal with a status missing here does not compile.
  it('types status as every status upsocket refuses with, 429 and 503 included', () => {
    expectTypeOf<RefusedUpgrade['status']>().toEqualTypeOf<400 | 403 | 404 | 426 | 429 | 500 | 503>();
  });
});
