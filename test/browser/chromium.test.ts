// The browser client in a real headless Chromium: the page loads the bundle of upsocket/browser,
// the server restarts on the same port while messages are published, and the page shows every
// message exactly once, in order.
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { onCleanup } from '../helpers/cleanup.js';
import { launchChromium } from '../helpers/chromium.js';
import { chromium as chromiumProgram, describeNeeding } from '../helpers/external-programs.js';
import { resumeServer, type ResumeServer } from '../helpers/resume-server.js';

const srcBrowser = join(import.meta.dirname, '../../src/browser');

/** The bundle as a page gets it (ESM, minified), and the files that went into it. */
async function bundle(): Promise<{ code: string; inputs: string[] }> {
  const result = await build({ entryPoints: [join(srcBrowser, 'index.ts')], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, metafile: true });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

const page = `<!doctype html><meta charset="utf-8"><title>resume</title>
<p id="status" data-state="connecting"></p><ul id="messages"></ul>
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
    const { code, inputs } = await bundle();
    // Self-contained: of the rest of upsocket only the wire format (which imports nothing), no dependency.
    expect(inputs.every((input) => input.startsWith('src/browser/') || input.startsWith('src/wire/'))).toBe(true);
    expect(inputs.some((input) => input.startsWith('src/wire/'))).toBe(true);
    const server = await resumeServer({
      topics: ['room'],
      onRequest: (request, response) => {
        if (request.url === '/browser.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
        response.writeHead(200, { 'content-type': 'text/html' }).end(page);
      },
    });
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
});
