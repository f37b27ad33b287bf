// Headless Chromium for the suites that run a real browser (inside describeNeeding('chromium')).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A fresh browser profile, closed and removed after the test. */
export async function launchChromium(): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(join(tmpdir(), 'upsocket-chromium-'));
  onCleanup(() => rm(userDataDir, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: pathOf(chromiumProgram), headless: true, args: chromiumArgs });
  onCleanup(() => context.close());
  return context;
}
