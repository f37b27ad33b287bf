// Headless Chromium for the suites that run a real browser (inside describeNeeding('chromium')).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { onCleanup } from './cleanup.js';
import { chromium as chromiumProgram, pathOf } from './external-programs.js';

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
