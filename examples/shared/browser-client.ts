import { buildSync } from 'esbuild';

/** Where every example serves the browser client the chat page loads (the page's data-client-path). */
export const BROWSER_CLIENT_PATH = '/upsocket-browser.js';

let bundle: string | undefined;

/**
 * upsocket/browser as one ES module for the chat page. The examples run from this repository's
 * sources, so it is bundled from src/browser on first use (a few ms). In your app, serve the
 * built file, `browserClientFile` (upsocket/browser.min.js; see examples/express-chat), or import
 * 'upsocket/browser' from code your bundler builds.
 */
export function browserClientScript(): string {
  bundle ??= buildSync({
    entryPoints: [new URL('../../src/browser/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    write: false,
  }).outputFiles[0]!.text;
  return bundle;
}
