// WebSockets over HTTP/2 (RFC 8441, issue 25) in a real headless Chromium: one
// `http2.createSecureServer({ allowHTTP1: true })` with `enableConnectProtocol` serves the page
// over HTTP/2 and the page's `new WebSocket('wss://…')` arrives at the route's `open()` as an
// extended CONNECT stream of the page's own session; a ws client speaks HTTP/1.1 to the same port.
import http2, { type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { attach, open } from '../../src/adapters/node-http/index.js';
import { createTopics, type CloseInfo, type Connection } from '../../src/index.js';
import { selfSignedCertificate } from '../helpers/certificate.js';
import { onCleanup } from '../helpers/cleanup.js';
import { browserBundle, dropWhilePublishing, launchChromium } from '../helpers/chromium.js';
import { chromium, describeNeeding, openssl } from '../helpers/external-programs.js';

/** What the server saw of one WebSocket: the request's HTTP version, its HTTP/2 session, how it closed. */
interface Opened {
  path: string;
  url: string;
  httpVersion: string;
  session: Http2Session | undefined;
  closed: Promise<CloseInfo>;
}

const page = `<!doctype html><meta charset="utf-8"><title>h2</title>
<p id="status" data-state="connecting"></p><ul id="messages"></ul><ul id="gaps"></ul>
<script type="module">
  import { connectResumable } from '/browser.js';
  window.startFeed = () => {
    const client = connectResumable(\`wss://\${location.host}/feed\`, { backoff: { initial: 50, max: 200 } });
    client.addEventListener('state', ({ state }) => (document.querySelector('#status').dataset.state = state));
    const show = (list, text) => document.querySelector(list).append(Object.assign(document.createElement('li'), { textContent: text }));
    client.addEventListener('message', ({ data }) => show('#messages', data));
    client.addEventListener('gap', ({ topic }) => show('#gaps', topic));
  };
  const opened = (socket) => new Promise((resolve, reject) => ((socket.onopen = resolve), (socket.onerror = reject)));
  const next = (socket) => new Promise((resolve) => socket.addEventListener('message', ({ data }) => resolve(data), { once: true }));
  // Text and binary echoed, the server's close code, then a second socket the page closes.
  window.echoTest = async () => {
    const socket = new WebSocket(\`wss://\${location.host}/echo\`);
    socket.binaryType = 'arraybuffer';
    await opened(socket);
    socket.send('hello');
    const text = await next(socket);
    socket.send(new Uint8Array([1, 2, 3, 250]));
    const bytes = [...new Uint8Array(await next(socket))];
    socket.send('close 4001');
    const closed = await new Promise((resolve) => (socket.onclose = resolve));
    const second = new WebSocket(\`wss://\${location.host}/echo\`);
    await opened(second);
    second.close(4002, 'from the page');
    await new Promise((resolve) => (second.onclose = resolve));
    return { messages: [text, bytes], code: closed.code, reason: closed.reason, wasClean: closed.wasClean };
  };
  // A socket left open: say(text) sends and resolves with the echo.
  window.openKept = async () => {
    window.kept = new WebSocket(\`wss://\${location.host}/echo\`);
    await opened(window.kept);
  };
  window.say = (text) => {
    window.kept.send(text);
    return next(window.kept);
  };
  window.ready = true;
</script>`;

/** The server: the page and bundle over HTTP/2 (or 1.1), /echo and /feed (a topic with history and the envelope). */
async function http2Server() {
  const { key, cert } = await selfSignedCertificate();
  const { code } = await browserBundle();
  const topics = createTopics({ history: { maxMessages: 100 }, envelope: true });
  onCleanup(() => topics.close());
  const opened: Opened[] = [];
  const pageSessions: (Http2Session | undefined)[] = [];
  const feeds = new Set<Connection>();
  let down = false;

  const echo = async (connection: Connection) => {
    for await (const message of connection) {
      if (message.type === 'binary') connection.sendBinary(Buffer.from(message.data).reverse());
      else if (message.text().startsWith('close ')) return void (await connection.close(Number(message.text().slice(6)), 'asked to'));
      else connection.sendText(`echo: ${message.text()}`);
    }
  };
  const feed = async (connection: Connection) => {
    feeds.add(connection);
    await topics.subscribe(connection, 'room');
    for await (const message of connection) void message;
    feeds.delete(connection);
  };
  const routes: Record<string, (connection: Connection) => Promise<void>> = { '/echo': echo, '/feed': feed };

  const server = http2.createSecureServer(
    { key, cert, allowHTTP1: true, settings: { enableConnectProtocol: true } },
    (req: Http2ServerRequest, res: Http2ServerResponse) => {
      const path = (req.url ?? '').split('?')[0]!;
      const route = routes[path];
      if (route !== undefined) {
        if (path === '/feed' && down) return void res.writeHead(503).end();
        const handled = open(req, async (connection) => {
          opened.push({ path, url: req.url, httpVersion: req.httpVersion, session: req.stream?.session, closed: connection.closed });
          await route(connection);
        });
        if (handled) return;
      }
      pageSessions.push(req.stream?.session);
      if (path === '/browser.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    },
  );
  const upsocket = attach(server, { heartbeat: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    await upsocket.close({ timeout: 500 });
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    cert,
    topics,
    opened,
    pageSessions,
    get subscribed(): number {
      return topics.subscriberCount('room');
    },
    /** Drops every feed (1012, as a restart would) and answers new ones 503 until `up()`. */
    down(): void {
      down = true;
      for (const connection of feeds) void connection.close(1012);
    },
    up(): void {
      down = false;
    },
  };
}

describeNeeding('WebSockets over HTTP/2 in headless Chromium', { needs: [chromium, openssl] }, () => {
  it("opens the page's WebSocket as a stream of its own HTTP/2 session: text, binary, close codes both ways", async () => {
    const server = await http2Server();
    const tab = await (await launchChromium({ ignoreCertificateErrors: true })).newPage();
    await tab.goto(`${server.origin}/`);
    await tab.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true, undefined, { timeout: 10_000 });

    const seen = await tab.evaluate('echoTest()');
    expect(seen).toEqual({ messages: ['echo: hello', [250, 3, 2, 1]], code: 4001, reason: 'asked to', wasClean: true });

    // Asserted on the server: both arrived as HTTP/2 streams of the session the page came over.
    expect(server.opened.map(({ path, httpVersion }) => [path, httpVersion])).toEqual([['/echo', '2.0'], ['/echo', '2.0']]);
    const pageSession = server.pageSessions[0];
    expect(pageSession).toBeDefined();
    for (const { session } of server.opened) expect(session).toBe(pageSession);
    expect(await server.opened[0]!.closed).toEqual({ code: 4001, reason: 'asked to' });
    expect(await server.opened[1]!.closed).toEqual({ code: 4002, reason: 'from the page' });
  }, 60_000);

  it('serves an HTTP/1.1 upgrade (a ws client) beside the HTTP/2 streams, on the same port', async () => {
    const server = await http2Server();
    const tab = await (await launchChromium({ ignoreCertificateErrors: true })).newPage();
    await tab.goto(`${server.origin}/`);
    await tab.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true, undefined, { timeout: 10_000 });
    await tab.evaluate('openKept()');
    expect(await tab.evaluate("say('from h2')")).toBe('echo: from h2');

    const client = new WebSocket(`${server.origin.replace('https', 'wss')}/echo`, { ca: server.cert, origin: server.origin });
    onCleanup(() => client.terminate());
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    client.send('from http/1.1');
    expect(String(await new Promise((resolve) => client.once('message', resolve)))).toBe('echo: from http/1.1');
    client.close(1000);
    await new Promise((resolve) => client.once('close', resolve));

    expect(server.opened.map(({ httpVersion }) => httpVersion)).toEqual(['2.0', '1.1']);
    expect(server.opened[1]!.session).toBeUndefined();
    // The page's HTTP/2 socket is still open and still echoes.
    expect(await tab.evaluate("say('still there')")).toBe('echo: still there');
  }, 60_000);

  it('connectResumable() over HTTP/2 resumes after a server-side drop: every message once, in order', async () => {
    const server = await http2Server();
    const tab = await (await launchChromium({ ignoreCertificateErrors: true })).newPage();
    await tab.goto(`${server.origin}/`);
    await tab.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true, undefined, { timeout: 10_000 });
    await tab.evaluate('startFeed()');
    const { shown, gaps } = await dropWhilePublishing(tab, server);
    expect(shown).toEqual(Array.from({ length: 11 }, (_, index) => `m${index}`));
    expect(gaps).toEqual([]);
    // Both feeds were HTTP/2 streams; the second one's URL carried the resume point.
    const feeds = server.opened.filter(({ path }) => path === '/feed');
    expect(feeds.length).toBeGreaterThanOrEqual(2);
    expect(feeds.every(({ httpVersion }) => httpVersion === '2.0')).toBe(true);
    expect(feeds.at(-1)!.url).toContain('upsocket-resume=');
    expect(await feeds[0]!.closed).toEqual({ code: 1012, reason: '' });
  }, 60_000);
});
