import { defineConfig } from 'tsup';

/** One build entry per subpath export; test/package.test.ts checks the two lists agree. */
export const entries = {
  index: 'src/index.ts',
  'adapters/node-http': 'src/adapters/node-http/index.ts',
  'adapters/express': 'src/adapters/express/index.ts',
  'adapters/koa': 'src/adapters/koa/index.ts',
  'adapters/next': 'src/adapters/next/index.ts',
  testing: 'src/testing/index.ts',
  'backends/redis': 'src/topics/redis/index.ts',
  otel: 'src/observe/otel/index.ts',
};

export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});
