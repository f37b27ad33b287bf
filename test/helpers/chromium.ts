// Headless Chromium for the suites that run a real browser (inside describeNeeding('chromium')).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { onCleanup } from './cleanup.js';
import { chromium as chromiumProgram, pathOf } from './external-programs.js';
import { until } from './server.js';

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumOptions {
  /**
   * Accept any certificate (a test's self-signed one). Through the command-line switch rather than
   * playwright's `ignoreHTTPSErrors`: the switch covers the WebSockets of the page too.
   */
  ignoreCertificateErrors?: boolean;
}

/** A fresh browser profile, closed and removed after the test. */
export async function launchChromium(options: ChromiumOptions = {}): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(join(tmpdir(), 'upsocket-chromium-'));
  onCleanup(() => rm(userDataDir, { recursive: true, force: true }));
  const args = options.ignoreCertificateErrors ? [...chromiumArgs, '--ignore-certificate-errors'] : chromiumArgs;
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: pathOf(chromiumProgram), headless: true, args });
  onCleanup(() => context.close());
  return context;
}

/** upsocket/browser as a page gets it (one ESM file, minified, from src/: no build needed), and the files that went into it. */
export async function browserBundle(): Promise<{ code: string; inputs: string[] }> {
  const entry = join(import.meta.dirname, '../../src/browser/index.ts');
  const result = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, metafile: true });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

/** A room server as `dropWhilePublishing()` drives it (test/helpers/room-server.ts's, or a test's own). */
export interface DroppableRoom {
  topics: { publish(topic: string, message: string): Promise<unknown> };
  /** How many clients are subscribed to 'room' now. */
  readonly subscribed: number;
  /** Drops every client and refuses new ones until `up()`. */
  down(): void;
  up(): void;
}

/**
 * Issue 22's scenario against a page whose `connectResumable()` client shows `#messages li`,
 * `#gaps li` and `#status[data-state]`: m0–m4, the server drops the page and refuses it while
 * m5–m9 are published, lets it back, then m10. Resolves with what the page shows.
 */
export async function dropWhilePublishing(tab: Page, server: DroppableRoom): Promise<{ shown: (string | null)[]; gaps: (string | null)[] }> {
  await until(() => server.subscribed === 1, 10_000, 'the subscription');
  for (let index = 0; index < 5; index++) await server.topics.publish('room', `m${index}`);
  await tab.waitForSelector('#messages li:nth-child(5)', { timeout: 10_000 });
  server.down();
  await tab.waitForSelector('#status[data-state="reconnecting"]', { state: 'attached', timeout: 10_000 });
  for (let index = 5; index < 10; index++) await server.topics.publish('room', `m${index}`);
  server.up();
  await until(() => server.subscribed === 1, 10_000, 'the reconnect');
  await server.topics.publish('room', 'm10');
  await tab.waitForSelector('#messages li:last-child:text-is("m10")', { timeout: 10_000 });
  return {
    shown: await tab.$$eval('#messages li', (items) => items.map((item) => item.textContent)),
    gaps: await tab.$$eval('#gaps li', (items) => items.map((item) => item.textContent)),
  };
}
