// The browser client's presence list in a real headless Chromium: the page (upsocket/browser,
// bundled as a page gets it) is tracked and watches a topic's presence; it drops, members change
// while it is away, it reconnects, and its list is the server's again, without its own member ever
// leaving (the grace keeps it while it reconnects).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { chromium as chromiumProgram, describeNeeding } from '../helpers/external-programs.js';
import { presenceServer } from '../helpers/presence-server.js';
import { until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

const page = `<!doctype html><meta charset="utf-8"><title>presence</title><p id="status"></p>
<script type="module">
  import { connectResumable } from '/browser.js';
  const client = connectResumable(\`ws://\${location.host}/?user=alice&watch=1&meta=%22page%22\`, { backoff: { initial: 50, max: 200 } });
  window.client = client;
  window.events = [];
  client.addEventListener('state', ({ state }) => (document.querySelector('#status').dataset.state = state));
  client.addEventListener('presence', ({ topic, change, key }) => window.events.push(\`\${change} \${key}\`));
</script>`;

/** What the page puts on its window. */
interface Page {
  client: { presence(topic: string): object };
  events: string[];
}

/** A members list as JSON with its keys in order: the page and the server may list them in another order. */
function sorted(json: string): string {
  return JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(json) as object).sort(([a], [b]) => a.localeCompare(b))));
}

async function bundle(): Promise<string> {
  const result = await build({ entryPoints: [join(import.meta.dirname, '../../src/browser/index.ts')], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false });
  return result.outputFiles[0]!.text;
}

describeNeeding('upsocket/browser presence in headless Chromium', { needs: [chromiumProgram] }, () => {
  it("keeps the topic's members in sync across a drop and a reconnect", async () => {
    const code = await bundle();
    const server = await presenceServer({
      presence: { interval: 20, grace: 60_000 },
      onRequest: (request: IncomingMessage, response: ServerResponse) => {
        if (request.url === '/browser.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
        response.writeHead(200, { 'content-type': 'text/html' }).end(page);
      },
    });
    const bob = await TestClient.connect(server.url({ user: 'bob', meta: '"bob"' }));
    const tab = await (await launchChromium()).newPage();
    await tab.goto(`${server.httpUrl}/`);
    const shown = (): Promise<string> => tab.evaluate(() => JSON.stringify((globalThis as unknown as Page).client.presence('room')));
    const serverList = async (): Promise<string> => JSON.stringify(await server.topics.presence('room'));
    await tab.waitForFunction(() => Object.keys((globalThis as unknown as Page).client.presence('room')).length === 2, undefined, { timeout: 10_000 });
    expect(JSON.parse(await shown())).toEqual(JSON.parse(await serverList()));

    server.down('alice');
    await tab.waitForSelector('#status[data-state="reconnecting"]', { state: 'attached', timeout: 10_000 });
    bob.ws.send('untrack');
    await TestClient.connect(server.url({ user: 'carol', meta: '"carol"' }));
    await until(() => server.trackings.some((tracking) => tracking.key === 'bob' && !tracking.tracked), 10_000, 'bob untracked');
    expect(Object.keys(await server.topics.presence('room')).sort()).toEqual(['alice', 'carol']);
    server.up();

    await tab.waitForSelector('#status[data-state="open"]', { state: 'attached', timeout: 10_000 });
    let last = '';
    await until(() => {
      void Promise.all([shown(), serverList()]).then(([page, server]) => (last = sorted(page) === sorted(server) ? 'same' : `${page} != ${server}`));
      return last === 'same';
    }, 10_000, 'the page to show the server list').catch((error: Error) => {
      throw new Error(`${error.message}: ${last}`);
    });
    const members = JSON.parse(await shown()) as Record<string, { ref: string; meta: unknown }[]>;
    expect(Object.keys(members).sort()).toEqual(['alice', 'carol']);
    // Her old meta (held for the grace) was replaced by the new connection's: one meta, the new ref.
    expect(members.alice).toEqual([{ ref: server.trackings.filter((tracking) => tracking.key === 'alice').at(-1)!.ref, meta: 'page' }]);
    const events = await tab.evaluate(() => (globalThis as unknown as Page).events);
    expect(events).toContain('leave bob');
    expect(events).toContain('join carol');
    expect(events.filter((event) => event.endsWith(' alice'))).toEqual(['join alice', 'update alice']);
  }, 60_000);
});
