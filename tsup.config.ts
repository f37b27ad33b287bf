import { defineConfig, type Options } from 'tsup';

/** One build entry per subpath export; test/package.test.ts checks the two lists agree. */
export const entries = {
  index: 'src/index.ts',
  'adapters/node-http': 'src/adapters/node-http/index.ts',
  'adapters/express': 'src/adapters/express/index.ts',
  'adapters/koa': 'src/adapters/koa/index.ts',
  'adapters/next': 'src/adapters/next/index.ts',
  testing: 'src/testing/index.ts',
  'backends/redis': 'src/topics/redis/index.ts',
  browser: 'src/browser/index.ts',
  otel: 'src/observe/otel/index.ts',
};

/**
 * Files exported as they are (a string in the exports map, no types, no CJS twin): the browser client
 * as one minified ES module that an app serves to pages without a bundler (`browserClientFile`).
 */
export const files = {
  'browser.min': entries.browser,
};

const { browser, ...nodeEntries } = entries;
// No `treeshake`: it runs Rollup over esbuild's output, and Rollup appended a second
// `//# sourceMappingURL` to every file. esbuild already drops what nothing imports.
const common: Options = { format: ['esm', 'cjs'], dts: true, sourcemap: true, target: 'node20' };

// `npm run build` empties dist/ first: two configs build side by side, and tsup's `clean` in one
// would race the other's output.
export default defineConfig([
  // shims: browserClientFile reads import.meta.url, which the CJS build gets from __filename.
  { ...common, entry: nodeEntries, splitting: true, shims: true },
  // Alone and unsplit: the Node client shares the browser's envelope code, and a shared chunk
  // would make dist/browser.js import another file. It has to be one self-contained file.
  { ...common, entry: { browser }, splitting: false },
  // For pages: ES2022 (private fields, EventTarget subclasses), minified, with its source map beside it.
  { entry: files, format: ['esm'], platform: 'browser', target: 'es2022', minify: true, sourcemap: true, splitting: false },
]);
