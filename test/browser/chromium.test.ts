// The browser client in a real headless Chromium: the page loads the bundle of upsocket/browser,
// the server restarts on the same port while messages are published, and the page shows every
// message exactly once, in order.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect, it } from 'vitest';
import { onCleanup } from '../helpers/cleanup.js';
import { browserBundle, dropWhilePublishing, launchChromium } from '../helpers/chromium.js';
import { chromium as chromiumProgram, describeNeeding } from '../helpers/external-programs.js';
import { resumeServer, type ResumeServer } from '../helpers/resume-server.js';
import { roomServer } from '../helpers/room-server.js';
import { holdingServer } from '../helpers/holding-server.js';
import { until } from '../helpers/server.js';
import { expectSpreadOver, expectWithin } from '../helpers/spread.js';

const page = `<!doctype html><meta charset="utf-8"><title>resume</title>
<p id="status" data-state="connecting"></p><ul id="messages"></ul><ul id="gaps"></ul>
<script type="module">
  import { connectResumable } from '/browser.js';
  const client = connectResumable(\`ws://\${location.host}/feed\`, { backoff: { initial: 50, max: 200 } });
  client.addEventListener('state', ({ state }) => (document.querySelector('#status').dataset.state = state));
  client.addEventListener('message', ({ topic, id, data }) => {
    const item = document.createElement('li');
    item.textContent = data;
    item.dataset.id = id;
    document.querySelector('#messages').append(item);
  });
  client.addEventListener('gap', ({ topic }) => {
    const item = document.createElement('li');
    item.textContent = topic;
    document.querySelector('#gaps').append(item);
  });
</script>`;

/** Serves the test page (`page` by default) and the bundle. */
function pageAndBundle(code: string, html = page) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    if (request.url === '/browser.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    response.writeHead(200, { 'content-type': 'text/html' }).end(html);
  };
}

/** A page with 40 clients that records each one's 'reconnect' (delay and close code) in `window.reconnects`. */
const fortyClients = `<!doctype html><meta charset="utf-8"><title>restart</title>
<script type="module">
  import { connectResumable } from '/browser.js';
  window.reconnects = [];
  for (let index = 0; index < 40; index++) {
    const client = connectResumable(\`ws://\${location.host}/feed\`);
    client.addEventListener('reconnect', ({ delay, code }) => window.reconnects.push({ delay, code }));
  }
</script>`;

function publishEvery(server: ResumeServer, count: number, ms: number): Promise<void> {
  let published = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      server.publish('room', `message ${++published}`);
      if (published === count) {
        clearInterval(timer);
        resolve();
      }
    }, ms);
    onCleanup(() => clearInterval(timer));
  });
}

describeNeeding('upsocket/browser in headless Chromium', { needs: [chromiumProgram] }, () => {
  it('shows every message exactly once across a server restart on the same port', async () => {
    const { code, inputs } = await browserBundle();
    // Self-contained: of the rest of upsocket only the wire format (which imports nothing), no dependency.
    expect(inputs.every((input) => input.startsWith('src/browser/') || input.startsWith('src/wire/'))).toBe(true);
    expect(inputs.some((input) => input.startsWith('src/wire/'))).toBe(true);
    const server = await resumeServer({ topics: ['room'], onRequest: pageAndBundle(code) });
    const tab = await (await launchChromium()).newPage();
    await tab.goto(`http://127.0.0.1:${server.port}/`);
    await tab.waitForSelector('#status[data-state="open"]', { state: 'attached', timeout: 10_000 });

    const publishing = publishEvery(server, 120, 5);
    await tab.waitForSelector('#messages li:nth-child(20)', { timeout: 10_000 });
    await server.stop();
    const publishedBeforeStop = server.history.length;
    await tab.waitForSelector('#status[data-state="reconnecting"]', { state: 'attached', timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 150)); // messages published while down
    expect(server.history.length).toBeGreaterThan(publishedBeforeStop);
    await server.start();
    await publishing;
    await tab.waitForSelector('#messages li:nth-child(120)', { timeout: 10_000 });
    await tab.waitForSelector('#status[data-state="open"]', { state: 'attached', timeout: 10_000 });
    server.publish('room', 'after');
    await tab.waitForSelector('#messages li:nth-child(121)', { timeout: 10_000 });

    const shown = await tab.$$eval('#messages li', (items) => items.map((item) => item.textContent));
    expect(shown).toEqual([...Array.from({ length: 120 }, (_, index) => `message ${index + 1}`), 'after']);
    expect(server.urls.length).toBeGreaterThanOrEqual(2);
    expect(server.urls.at(-1)).toContain('upsocket-resume=');
  }, 60_000);

  // Issue 22, item 3: m0–m4, the page drops, m5–m9 are published, it reconnects, then m10, against a
  // real upsocket server whose route subscribes without `since` (or with `since: null`).
  async function routeWithoutSince(subscribe: { since: null } | undefined) {
    const { code } = await browserBundle();
    const server = await roomServer({ subscribe, onRequest: pageAndBundle(code) });
    const tab = await (await launchChromium()).newPage();
    await tab.goto(`${server.httpUrl}/`);
    return dropWhilePublishing(tab, server);
  }

  it('loses nothing when the route subscribes without since', async () => {
    const { shown, gaps } = await routeWithoutSince(undefined);
    expect(shown).toEqual(Array.from({ length: 11 }, (_, index) => `m${index}`));
    expect(gaps).toEqual([]);
  }, 60_000);

  it("dispatches 'gap' when the route subscribes with since: null", async () => {
    const { shown, gaps } = await routeWithoutSince({ since: null });
    expect(shown).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm10']);
    expect(gaps).toEqual(['room']);
  }, 60_000);

  it('spreads the return of 40 clients closed together with 1012 over backoff.restart; a drop (1006) keeps the backoff', async () => {
    const { code } = await browserBundle();
    const server = await holdingServer(pageAndBundle(code, fortyClients));
    const tab = await (await launchChromium()).newPage();
    await tab.goto(`${server.httpUrl}/`);
    await until(() => server.connections.size === 40, 30_000, '40 open connections');
    const reconnects = async (count: number) => {
      await tab.waitForFunction((count) => (globalThis as unknown as { reconnects: unknown[] }).reconnects.length >= count, count, { timeout: 10_000 });
      return tab.evaluate(() => (globalThis as unknown as { reconnects: { delay: number; code: number }[] }).reconnects);
    };
    server.closeAll((connection) => void connection.close(1012, 'restarting'));
    const restarts = (await reconnects(40)).slice(0, 40);
    expect(restarts.every((event) => event.code === 1012)).toBe(true);
    expectSpreadOver(restarts.map(({ delay }) => delay), 0, 1000);

    await until(() => server.connections.size === 40, 30_000, 'every client back');
    server.closeAll((connection) => connection.terminate());
    const drops = (await reconnects(80)).slice(40, 80);
    expect(drops.every((event) => event.code === 1006)).toBe(true);
    expectWithin(drops.map(({ delay }) => delay), 250, 500);
  }, 60_000);
});
