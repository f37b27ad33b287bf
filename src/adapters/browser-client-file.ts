import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of upsocket's browser client built as one minified ES module
 * (`upsocket/browser.min.js`: `connectResumable` and its events, no dependencies, about 6.3 KB,
 * 2.5 KB gzipped), for an app that serves it to its pages without a bundler. Its source map is
 * `${browserClientFile}.map`; devtools find it when it is served next to the file, under its URL plus `.map`.
 *
 * @example
 * app.get('/upsocket.js', (req, res) => res.sendFile(browserClientFile))
 * // in the page: <script type="module">import { connectResumable } from '/upsocket.js'</script>
 */
export const browserClientFile: string = locate();

// Computed from this module's own URL, so importing upsocket reads no package.json and touches no
// disk (a resolve through the package cost ~0.7 ms at every start). Built, this module sits in a
// chunk in dist/ beside browser.min.js (test/package/package.test.ts checks every entry, ESM and
// CJS); run from the sources (tests, examples), it is src/adapters/*.ts and the file is the last build's.
// A bundler that gives the module no file: URL must not make importing upsocket throw: the path
// is then where npm installs it for the process's directory.
function locate(): string {
  try {
    const here = import.meta.url;
    return fileURLToPath(new URL(here.endsWith('.ts') ? '../../dist/browser.min.js' : 'browser.min.js', here));
  } catch {
    return join(process.cwd(), 'node_modules/upsocket/dist/browser.min.js');
  }
}
