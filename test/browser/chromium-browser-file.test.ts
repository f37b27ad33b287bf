// The browser client file served by each documented snippet (examples/quickstart/browser-file-*.ts,
// run as written, as their own processes) and imported by a page in headless Chromium: the module
// script a page without a bundler loads (issue 23). Needs `npm run build` first (dist/browser.min.js).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserClientFile } from 'upsocket';
import { expect, it } from 'vitest';
import { onCleanup } from '../helpers/cleanup.js';
import { launchChromium } from '../helpers/chromium.js';
import { chromium, describeNeeding } from '../helpers/external-programs.js';
import { freePort } from '../helpers/redis-server.js';
import { delay } from '../helpers/server.js';

const root = join(import.meta.dirname, '../..');

/** Runs a quick start with `PORT` set and resolves with its origin once it answers HTTP. */
async function runSnippet(file: string): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples/quickstart', file)], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  onCleanup(() => child.kill());
  const origin = `http://127.0.0.1:${port}`;
  for (const started = Date.now(); Date.now() - started < 20_000; await delay(100)) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}`);
    if (await fetch(origin).then(() => true, () => false)) return origin;
  }
  throw new Error(`${file} did not answer within 20 s`);
}

describeNeeding('the browser client file, served by each documented snippet', { needs: [chromium] }, () => {
  it.each(['browser-file-express.ts', 'browser-file-koa.ts', 'browser-file-node-http.ts'])(
    '%s serves it as JavaScript, and a page imports connectResumable from it',
    async (file) => {
      expect(existsSync(browserClientFile), `${browserClientFile} is missing: run npm run build first`).toBe(true);
      const origin = await runSnippet(file);
      const response = await fetch(`${origin}/upsocket.js`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^(text|application)\/javascript\b/);
      expect(await response.text()).toBe(readFileSync(browserClientFile, 'utf8'));

      const page = await (await launchChromium()).newPage();
      await page.goto(`${origin}/upsocket.js`); // any page of the origin: the module script is same-origin
      // What the snippets' comment says a page writes, as a module script of that page.
      await page.addScriptTag({ type: 'module', content: "import * as upsocket from '/upsocket.js'; window.upsocketNames = Object.keys(upsocket);" });
      const names = await page.waitForFunction(() => (globalThis as { upsocketNames?: string[] }).upsocketNames, undefined, { timeout: 10_000 });
      expect(await names.jsonValue()).toEqual(expect.arrayContaining(['ResumableClient', 'compareIds', 'connectResumable']));
    },
    60_000,
  );
});
