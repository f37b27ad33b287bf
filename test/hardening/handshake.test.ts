// Upgrade requests no honest client sends, and one that never finishes. Each gets a complete HTTP
// answer before any 101 (or Node's own 4xx when the head itself is bad), the handler never runs,
// and the server keeps serving.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { handshakeRequest, sendRaw } from '../helpers/hostile-client.js';
import { encodeFrame } from '../helpers/raw-client.js';
import { listen } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { startTarget, type Target } from './target.js';

async function expectNoConnection(target: Target): Promise<void> {
  expect(target.upsocket.connections.size).toBe(0);
  await target.assertStillServing();
}

describe('malformed upgrade requests get a complete HTTP refusal', () => {
  const cases: { name: string; headers: Record<string, string | null>; status: number; reason: RegExp }[] = [
    { name: 'missing Sec-WebSocket-Key', headers: { 'Sec-WebSocket-Key': null }, status: 400, reason: /Sec-WebSocket-Key/ },
    { name: 'a key that is not 16 base64 bytes', headers: { 'Sec-WebSocket-Key': 'c2hvcnQ=' }, status: 400, reason: /Sec-WebSocket-Key/ },
    { name: 'wrong version (8)', headers: { 'Sec-WebSocket-Version': '8' }, status: 426, reason: /supported: 13/ },
    { name: 'missing version', headers: { 'Sec-WebSocket-Version': null }, status: 426, reason: /supported: 13/ },
    { name: 'a subprotocol list with a non-token', headers: { 'Sec-WebSocket-Protocol': 'chat, a b' }, status: 400, reason: /Sec-WebSocket-Protocol/ },
  ];
  for (const { name, headers, status, reason } of cases) {
    it(name, async () => {
      const target = await startTarget();
      const answer = await sendRaw(target.port, handshakeRequest(target.port, '/rooms/echo', headers));
      expect(answer.status).toBe(status);
      expect(answer.head).toMatch(/\r\nConnection: close\r\n/i);
      expect(answer.head).toMatch(new RegExp(`\r\nContent-Length: ${Buffer.byteLength(answer.body)}\r\n`, 'i'));
      expect(answer.body).toMatch(reason);
      if (status === 426) expect(answer.head).toMatch(/\r\nSec-WebSocket-Version: 13\r\n/i);
      await expectNoConnection(target);
    });
  }

  // Node parses it as plain HTTP ('request', not 'upgrade'): open() must return false, not throw
  // UPSOCKET_NOT_ATTACHED out of a bare node:http listener, which would crash the process.
  it('Upgrade: websocket without Connection: Upgrade is plain HTTP for the route to answer', async () => {
    const target = await startTarget();
    const answer = await sendRaw(target.port, handshakeRequest(target.port, '/rooms/echo', { Connection: 'close' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('room echo over HTTP');
    await expectNoConnection(target);
  });

  it('a second Sec-WebSocket-Key header (Node joins them: no longer a valid key)', async () => {
    const target = await startTarget();
    const request = handshakeRequest(target.port, '/rooms/echo').replace('\r\n\r\n', '\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    const answer = await sendRaw(target.port, request);
    expect(answer.status).toBe(400);
    await expectNoConnection(target);
  });

  it('a POST asking to upgrade', async () => {
    const target = await startTarget();
    const answer = await sendRaw(target.port, handshakeRequest(target.port, '/rooms/echo').replace(/^GET/, 'POST'));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(/must be a GET request/);
    await expectNoConnection(target);
  });

  // Node passes every byte after the head to the upgrade: accepted, a body would be read as
  // WebSocket frames (here, one that carries a message the handler must never see).
  for (const [name, framing] of [
    ['Content-Length', (frame: Buffer) => [{ 'Content-Length': String(frame.length) }, frame]],
    ['Transfer-Encoding: chunked', (frame: Buffer) => [{ 'Transfer-Encoding': 'chunked' }, Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, Buffer.from('\r\n0\r\n\r\n')])]],
  ] as const) {
    it(`an upgrade with a body (${name}): 400, and the body never reaches the handler as a frame`, async () => {
      const target = await startTarget();
      const smuggled = encodeFrame(1, Buffer.from('smuggled'));
      const [headers, body] = framing(smuggled) as [Record<string, string>, Buffer];
      const answer = await sendRaw(target.port, Buffer.concat([Buffer.from(handshakeRequest(target.port, '/rooms/echo-smuggle', headers)), body]));
      expect(answer.status).toBe(400);
      expect(answer.body).toBe('A WebSocket handshake must not have a body\n');
      await expectNoConnection(target);
    });
  }

  it('accepts Content-Length: 0, and frames pipelined right behind the head', async () => {
    const target = await startTarget();
    const head = handshakeRequest(target.port, '/rooms/echo-pipelined', { 'Content-Length': '0' });
    const answer = await sendRaw(target.port, Buffer.concat([Buffer.from(head), encodeFrame(1, Buffer.from('early')), encodeFrame(8, Buffer.from([0x03, 0xe8]))]));
    expect(answer.status).toBe(101);
    const outcome = await target.outcome('echo-pipelined');
    expect(outcome.messages.map((message) => message.text())).toEqual(['early']);
    expect(outcome.ended).toBeNull();
  });

  it('an overlong header: Node answers 431 before the app or upsocket see it', async () => {
    const target = await startTarget();
    const answer = await sendRaw(target.port, handshakeRequest(target.port, '/rooms/echo', { 'X-Padding': 'a'.repeat(20_000) }));
    expect(answer.status).toBe(431);
    await expectNoConnection(target);
  });
});

describe('slowloris: a handshake that never finishes', () => {
  // What we tell users to set: Node closes a connection whose request head has not fully arrived
  // within headersTimeout (checked every connectionsCheckingInterval). Defaults: 60 s / 30 s.
  async function startWithTimeouts(): Promise<{ port: number; wsUrl: string }> {
    const server = http.createServer({ connectionsCheckingInterval: 100 }, (req, res) => {
      if (!open(req, (connection) => connection.sendText('served'))) res.end('plain HTTP');
    });
    server.headersTimeout = 400;
    server.requestTimeout = 1000;
    const { httpUrl, wsUrl } = await listen(server, attach(server));
    return { port: Number(new URL(httpUrl).port), wsUrl };
  }

  it('closes a connection that sent half a handshake and stalls, with 408', async () => {
    const { port, wsUrl } = await startWithTimeouts();
    const half = handshakeRequest(port, '/chat').slice(0, 60);
    const [stalled, healthy] = await Promise.all([
      sendRaw(port, half),
      // Others are served meanwhile.
      TestClient.connect(`${wsUrl}/chat`).then((client) => client.nextText()),
    ]);
    expect(healthy).toBe('served');
    expect(stalled.status).toBe(408);
    expect(stalled.elapsed).toBeGreaterThanOrEqual(350);
    expect(stalled.elapsed).toBeLessThan(1500);
  });

  it('closes a connection that trickles its handshake one byte at a time', async () => {
    const { port } = await startWithTimeouts();
    const trickled = await sendRaw(port, handshakeRequest(port, '/chat'), { trickleMs: 20 });
    expect(trickled.status).toBe(408);
    expect(trickled.elapsed).toBeLessThan(1500);
  });
});
