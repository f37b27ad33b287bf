import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import Router from '@koa/router';
import express, { type RequestHandler } from 'express';
import Koa from 'koa';
import { WebSocket as UndiciWebSocket } from 'undici';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as expressAdapter from '../../../src/adapters/express/index.js';
import * as koaAdapter from '../../../src/adapters/koa/index.js';
import * as nodeHttp from '../../../src/adapters/node-http/index.js';
import { inject } from '../../../src/testing/index.js';
import { onCleanup } from '../../helpers/cleanup.js';
import { echo } from '../../helpers/handlers.js';
import { RawClient } from '../../helpers/raw-client.js';
import { listen } from '../../helpers/server.js';

/** The 101 as a ws client saw it: its raw header lines as [name, value] pairs, in order. */
interface Upgraded {
  status: number;
  lines: [string, string][];
  /** The values of every line named `name` (any case). */
  all(name: string): string[];
}

/** Opens a ws client, resolving with the 101's raw headers once the connection echoed a message. */
function connectAndEcho(url: string, headers: Record<string, string> = {}): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    onCleanup(() => socket.terminate());
    let upgraded: Upgraded | undefined;
    socket.once('upgrade', (response: IncomingMessage) => {
      const lines: [string, string][] = [];
      for (let i = 0; i < response.rawHeaders.length; i += 2) lines.push([response.rawHeaders[i]!, response.rawHeaders[i + 1]!]);
      const all = (name: string) => lines.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
      upgraded = { status: response.statusCode!, lines, all };
    });
    socket.once('unexpected-response', (_request, response: IncomingMessage) => reject(new Error(`refused: ${response.statusCode}`)));
    socket.once('error', reject);
    socket.once('open', () => socket.send('ping'));
    socket.once('message', (data: Buffer) => {
      if (data.toString() !== 'ping') reject(new Error(`echoed ${data.toString()}`));
      else resolve(upgraded!);
    });
  });
}

/** undici's WHATWG WebSocket (as in browsers): resolves once a message made the round trip. */
function undiciEcho(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new UndiciWebSocket(url);
    onCleanup(() => socket.close());
    socket.addEventListener('error', () => reject(new Error("undici's WebSocket failed to connect")));
    socket.addEventListener('open', () => socket.send('ping'));
    socket.addEventListener('message', ({ data }) => resolve(String(data)));
  });
}

/**
 * What express-session with `rolling: true` does on every request, written by hand (the package is
 * not installed): the session cookie is set again with a fresh expiry, through `res.cookie()`.
 */
const rollingSession: RequestHandler = (req, res, next) => {
  const sid = /sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? randomUUID();
  res.cookie('sid', sid, { httpOnly: true, maxAge: 60_000, path: '/' });
  res.cookie('csrf', 'token-1', { sameSite: 'strict' });
  next();
};

describe('headers the app set before open() go out with the 101', () => {
  it('Express: a rolling session cookie (res.cookie, two Set-Cookie lines) and res.setHeader reach the 101', async () => {
    const app = express();
    app.use(rollingSession);
    app.use((_req, res, next) => {
      res.setHeader('X-Request-Id', 'req-42');
      next();
    });
    app.get('/chat', expressAdapter.websocket(echo));
    const server = http.createServer(app);
    const { wsUrl } = await listen(server, expressAdapter.attach(server));

    const upgraded = await connectAndEcho(`${wsUrl}/chat`, { cookie: 'sid=abc123' });
    expect(upgraded.status).toBe(101);
    const cookies = upgraded.all('set-cookie');
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toMatch(/^sid=abc123; Max-Age=60; Path=\/; Expires=.+; HttpOnly$/);
    expect(cookies[1]).toBe('csrf=token-1; Path=/; SameSite=Strict');
    expect(upgraded.all('x-request-id')).toEqual(['req-42']);
    // The handshake's own lines are still there, once each.
    expect(upgraded.all('upgrade')).toEqual(['websocket']);
    expect(upgraded.all('connection')).toEqual(['Upgrade']);
    expect(upgraded.all('sec-websocket-accept')).toHaveLength(1);
  });

  it('Koa: ctx.cookies.set() and ctx.set() reach the 101', async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.cookies.set('sid', 'koa-session', { httpOnly: true, maxAge: 60_000 });
      ctx.set('X-Request-Id', 'koa-7');
      await next();
    });
    const router = new Router();
    router.get('/chat', koaAdapter.websocket(echo));
    app.use(router.routes());
    const server = http.createServer(app.callback());
    const { wsUrl } = await listen(server, koaAdapter.attach(server));

    const upgraded = await connectAndEcho(`${wsUrl}/chat`);
    const cookies = upgraded.all('set-cookie');
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^sid=koa-session; path=\/; expires=.+; httponly$/);
    expect(upgraded.all('x-request-id')).toEqual(['koa-7']);
  });

  it('node:http: res.setHeader() before open(), an array as one line per value, in the case the app wrote', async () => {
    const server = http.createServer((req, res) => {
      res.setHeader('X-Request-Id', 'plain-1');
      res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('X-Count', 3);
      if (nodeHttp.open(req, echo)) return;
      res.end('http');
    });
    const { server: listening, wsUrl } = await listen(server, nodeHttp.attach(server));

    const upgraded = await connectAndEcho(`${wsUrl}/echo`);
    expect(upgraded.lines.filter(([name]) => !/^(upgrade|connection|sec-websocket-accept)$/i.test(name))).toEqual([
      ['X-Request-Id', 'plain-1'],
      ['Set-Cookie', 'a=1; Path=/'],
      ['Set-Cookie', 'b=2; Path=/'],
      ['X-Count', '3'],
    ]);

    // The raw bytes: one CRLF per line, the head ends once.
    const port = (listening.address() as { port: number }).port;
    const raw = await RawClient.open(port, '/echo');
    await raw.upgraded();
    const head = raw.httpResponse.slice(0, raw.httpResponse.indexOf('\r\n\r\n'));
    expect(head.split('\r\n').slice(4)).toEqual(['X-Request-Id: plain-1', 'Set-Cookie: a=1; Path=/', 'Set-Cookie: b=2; Path=/', 'X-Count: 3']);
  });

  it('a middleware cannot break the 101: headers the handshake owns are left off, the rest pass, ws and undici connect', async () => {
    const app = express();
    app.use((_req, res, next) => {
      res.setHeader('Connection', 'close');
      res.setHeader('Content-Length', '5');
      res.setHeader('Transfer-Encoding', 'chunked');
      res.setHeader('Keep-Alive', 'timeout=5');
      res.setHeader('Sec-WebSocket-Accept', 'bogus');
      res.setHeader('Sec-WebSocket-Protocol', 'chat');
      res.setHeader('Upgrade', 'h2c');
      res.setHeader('X-Request-Id', 'owned-test');
      next();
    });
    app.get('/chat', expressAdapter.websocket(echo));
    const server = http.createServer(app);
    const { wsUrl } = await listen(server, expressAdapter.attach(server));

    const upgraded = await connectAndEcho(`${wsUrl}/chat`);
    expect(upgraded.all('connection')).toEqual(['Upgrade']);
    expect(upgraded.all('upgrade')).toEqual(['websocket']);
    expect(upgraded.all('sec-websocket-accept')).toHaveLength(1);
    expect(upgraded.all('sec-websocket-accept')[0]).not.toBe('bogus');
    for (const name of ['content-length', 'transfer-encoding', 'keep-alive', 'sec-websocket-protocol']) expect(upgraded.all(name)).toEqual([]);
    expect(upgraded.all('x-request-id')).toEqual(['owned-test']);
    expect(upgraded.all('x-powered-by')).toEqual(['Express']);

    await expect(undiciEcho(`${wsUrl}/chat`)).resolves.toBe('ping');
  });

  it("open()'s headers option adds to the response's headers and replaces the ones of the same name", async () => {
    const server = http.createServer((req, res) => {
      res.setHeader('x-trace', 'from-response');
      res.setHeader('X-Kept', 'kept');
      if (nodeHttp.open(req, echo, { headers: { 'X-Trace': 'from-option', 'X-Route': 'r1' } })) return;
      res.end();
    });
    const { wsUrl } = await listen(server, nodeHttp.attach(server));

    const upgraded = await connectAndEcho(`${wsUrl}/x`);
    expect(upgraded.all('x-trace')).toEqual(['from-option']);
    expect(upgraded.all('x-kept')).toEqual(['kept']);
    expect(upgraded.all('x-route')).toEqual(['r1']);
  });
  it('with compression (ws negotiates permessage-deflate), the headers go out too', async () => {
    const server = http.createServer((req, res) => {
      res.setHeader('X-Request-Id', 'deflate-1');
      if (nodeHttp.open(req, echo, { compression: true })) return;
      res.end();
    });
    const { wsUrl } = await listen(server, nodeHttp.attach(server));

    const upgraded = await connectAndEcho(`${wsUrl}/x`);
    expect(upgraded.all('sec-websocket-extensions')).toEqual(['permessage-deflate']);
    expect(upgraded.all('x-request-id')).toEqual(['deflate-1']);
  });
});

describe("upsocket's own clients see them on connection.request", () => {
  it('inject() (and connect()) show the 101\'s Set-Cookie lines and request id', async () => {
    const app = express();
    app.use(rollingSession);
    app.use((_req, res, next) => void (res.setHeader('X-Request-Id', 'inject-1'), next()));
    app.get('/chat', expressAdapter.websocket(echo));
    const server = http.createServer(app);
    const upsocket = expressAdapter.attach(server);
    onCleanup(() => upsocket.close({ timeout: 100 }));

    const connection = await inject(server, '/chat', { headers: { cookie: 'sid=from-test' } });
    onCleanup(() => connection.terminate());
    const headers = (connection.request as IncomingMessage).headers;
    expect(headers['set-cookie']).toEqual([expect.stringMatching(/^sid=from-test; /), 'csrf=token-1; Path=/; SameSite=Strict']);
    expect(headers['x-request-id']).toBe('inject-1');
  });
});

describe('handleUpgrade() has no response: its headers option is what the 101 carries', () => {
  it('sends the headers option (Set-Cookie as several lines) with the 101', async () => {
    const server = http.createServer();
    // attach() routes nothing here (filter); its UpsocketServer holds the connections, for cleanup.
    const upsocket = nodeHttp.attach(server, { filter: () => false });
    server.on('upgrade', (req, socket, head) => {
      nodeHttp.handleUpgrade(req, socket, head, echo, { headers: { 'Set-Cookie': ['s=1', 't=2'], 'X-Request-Id': 'raw-9' } });
    });
    const { wsUrl } = await listen(server, upsocket);

    const upgraded = await connectAndEcho(`${wsUrl}/raw`);
    expect(upgraded.all('set-cookie')).toEqual(['s=1', 't=2']);
    expect(upgraded.all('x-request-id')).toEqual(['raw-9']);
  });

  it('refuses a header the handshake owns, or an invalid one, as UPSOCKET_INVALID_OPTION (a 500, told to onError)', async () => {
    const errors: unknown[] = [];
    const server = http.createServer();
    const options = [{ Connection: 'close' }, { 'sec-websocket-accept': 'bogus' }, { 'X-Bad': 'a\r\nInjected: 1' }, { 'Bad Name': 'x' }];
    let next = 0;
    const upsocket = nodeHttp.attach(server, { filter: () => false });
    server.on('upgrade', (req, socket, head) => {
      nodeHttp.handleUpgrade(req, socket, head, echo, { headers: options[next++]!, onError: (error) => errors.push(error), onRefuse: () => {} });
    });
    const { server: listening } = await listen(server, upsocket);
    const port = (listening.address() as { port: number }).port;

    for (let i = 0; i < options.length; i++) {
      const raw = await RawClient.open(port, '/raw');
      await expect(raw.upgraded()).rejects.toThrow('handshake refused: HTTP/1.1 500');
    }
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual(Array(4).fill('UPSOCKET_INVALID_OPTION'));
    expect(String((errors[0] as Error).message)).toContain('belongs to the WebSocket handshake');
  });
});
