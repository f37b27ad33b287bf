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

const { browser, ...nodeEntries } = entries;
const common: Options = { format: ['esm', 'cjs'], dts: true, sourcemap: true, target: 'node20', treeshake: true };

// `npm run build` empties dist/ first: two configs build side by side, and tsup's `clean` in one
// would race the other's output.
export default defineConfig([
  { ...common, entry: nodeEntries, splitting: true },
  // Alone and unsplit: the Node client shares the browser's envelope code, and a shared chunk
  // would make dist/browser.js import another file. It has to be one self-contained file.
  { ...common, entry: { browser }, splitting: false },
]);
