import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The examples import 'upsocket/node-http' etc.; tsconfig.json maps those to src/, as for tsx and tsc.
  resolve: { tsconfigPaths: true },
  test: {
    // examples/quickstart/testing.test.ts is the README's testing snippet: it runs as written.
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
    // The second lists the suites skipped because a program from outside npm is missing.
    reporters: ['default', './test/helpers/skip-summary.ts'],
  },
});
